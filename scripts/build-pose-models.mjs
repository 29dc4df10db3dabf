// Builds the MediaPipe PoseLandmarker `.task` bundles (models/pose_landmarker_lite.task and
// models/pose_landmarker_full.task, git-ignored) from the weights the @mediapipe/pose npm package ships.
// Run at install (scripts/build.mjs) and by hand: `node scripts/build-pose-models.mjs`.
//
// A `.task` is a ZIP (entries stored, not compressed) of pose_detector.tflite and
// pose_landmarks_detector.tflite. tasks-vision refuses raw tflites ("requires NormalizationOptions
// metadata"), so each model gets TFLite model metadata: a ModelMetadata flatbuffer (identifier M001)
// naming an RGB image input and its normalisation (detector mean 127.5 / std 127.5, landmark model
// mean 0 / std 255), kept in a model buffer that Model.metadata names "TFLITE_METADATA". The weights
// and graph are untouched: the new file is a new Model table and its vectors, followed by the old model
// at a 16-byte aligned offset; the new Model's fields point forward into the old one.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { Builder } from 'flatbuffers';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const poseDir = dirname(require.resolve('@mediapipe/pose/package.json'));
const outDir = join(root, 'models');

/** ModelMetadata (schema field ids in the comments) with one RGB image input and its normalisation. */
function modelMetadata(name, mean, std) {
  const b = new Builder(1024);
  const floats = (values) => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
    return b.endVector();
  };
  const meanVec = floats(mean);
  const stdVec = floats(std);
  b.startObject(2); // NormalizationOptions: 0 mean, 1 std
  b.addFieldOffset(0, meanVec, 0);
  b.addFieldOffset(1, stdVec, 0);
  const normalization = b.endObject();
  b.startObject(2); // ProcessUnit: 0 options_type, 1 options
  b.addFieldInt8(0, 1, 0); // NormalizationOptions
  b.addFieldOffset(1, normalization, 0);
  const unit = b.endObject();
  b.startVector(4, 1, 4);
  b.addOffset(unit);
  const units = b.endVector();
  b.startObject(2); // ImageProperties: 0 color_space, 1 default_size
  b.addFieldInt8(0, 1, 0); // RGB
  const image = b.endObject();
  b.startObject(3); // Content: 0 content_properties_type, 1 content_properties, 2 range
  b.addFieldInt8(0, 2, 0); // ImageProperties
  b.addFieldOffset(1, image, 0);
  const content = b.endObject();
  const tensorName = b.createString('image');
  b.startObject(6); // TensorMetadata: 0 name, 1 description, 2 dimension_names, 3 content, 4 process_units, 5 stats
  b.addFieldOffset(0, tensorName, 0);
  b.addFieldOffset(3, content, 0);
  b.addFieldOffset(4, units, 0);
  const tensor = b.endObject();
  b.startVector(4, 1, 4);
  b.addOffset(tensor);
  const inputs = b.endVector();
  b.startObject(4); // SubGraphMetadata: 0 name, 1 description, 2 input_tensor_metadata, 3 output_tensor_metadata
  b.addFieldOffset(2, inputs, 0);
  const subgraph = b.endObject();
  b.startVector(4, 1, 4);
  b.addOffset(subgraph);
  const subgraphs = b.endVector();
  const modelName = b.createString(name);
  const description = b.createString(
    'MediaPipe BlazePose model from the @mediapipe/pose npm package, metadata added by GymEdge',
  );
  const author = b.createString('Google LLC (MediaPipe)');
  const license = b.createString('Apache License 2.0');
  const parser = b.createString('1.0.0');
  b.startObject(8); // ModelMetadata: 0 name, 1 description, 2 version, 3 subgraph_metadata, 4 author, 5 license, 6 associated_files, 7 min_parser_version
  b.addFieldOffset(0, modelName, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldOffset(3, subgraphs, 0);
  b.addFieldOffset(4, author, 0);
  b.addFieldOffset(5, license, 0);
  b.addFieldOffset(7, parser, 0);
  const meta = b.endObject();
  b.finish(meta, 'M001');
  return Buffer.from(b.asUint8Array());
}

/** Reads a table's fields: returns a function giving the absolute position of field `id`, or 0. */
function fields(buf, table) {
  const vtable = table - buf.readInt32LE(table);
  const vsize = buf.readUInt16LE(vtable);
  return (id) => {
    const slot = 4 + 2 * id;
    if (slot >= vsize) return 0;
    const off = buf.readUInt16LE(vtable + slot);
    return off === 0 ? 0 : table + off;
  };
}
const deref = (buf, pos) => pos + buf.readUInt32LE(pos);

/** Forward-only little-endian writer for the new head of the file. */
class Writer {
  constructor() {
    this.buf = Buffer.alloc(1 << 16);
    this.pos = 0;
  }
  align(n) {
    while (this.pos % n !== 0) this.pos++;
  }
  u8(v) {
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
  }
  u16(v) {
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }
  u32(v, at = this.pos) {
    this.buf.writeUInt32LE(v, at);
    if (at === this.pos) this.pos += 4;
  }
  i32(v, at) {
    this.buf.writeInt32LE(v, at);
  }
  bytes(b) {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  /** A table: vtable first, then the table (soffset back to it), fields in the given order. */
  table(entries) {
    // entries: [{ id, size: 4|1, kind: 'offset'|'u32'|'u8', value }]
    this.align(2);
    const maxId = Math.max(...entries.map((e) => e.id));
    const vtable = this.pos;
    const vsize = 4 + 2 * (maxId + 1);
    this.pos += vsize;
    this.align(4);
    const table = this.pos;
    this.pos += 4; // soffset
    const slots = new Map();
    const patches = [];
    for (const e of entries) {
      if (e.kind === 'u8') {
        slots.set(e.id, this.pos - table);
        this.u8(e.value);
        continue;
      }
      this.align(4);
      slots.set(e.id, this.pos - table);
      if (e.kind === 'u32') this.u32(e.value);
      else {
        patches.push({ at: this.pos, target: e.value });
        this.u32(0);
      }
    }
    this.align(4);
    const tsize = this.pos - table;
    this.buf.writeUInt16LE(vsize, vtable);
    this.buf.writeUInt16LE(tsize, vtable + 2);
    for (let id = 0; id <= maxId; id++) this.buf.writeUInt16LE(slots.get(id) ?? 0, vtable + 4 + 2 * id);
    this.i32(table - vtable, table);
    return { table, patches };
  }
}

/** Adds TFLITE_METADATA to a .tflite (see the header of this file). */
export function withMetadata(old, metadata) {
  if (old.subarray(4, 8).toString('latin1') !== 'TFL3')
    throw new Error('not a TFLite flatbuffer (no TFL3 identifier)');
  const model = deref(old, 0);
  const f = fields(old, model);
  const vec = (pos) => (pos ? deref(old, pos) : 0);
  const oldBuffers = vec(f(4));
  const oldMetadata = vec(f(6));
  const bufferCount = oldBuffers ? old.readUInt32LE(oldBuffers) : 0;
  const metadataCount = oldMetadata ? old.readUInt32LE(oldMetadata) : 0;
  const elements = (vector, count) => Array.from({ length: count }, (_, i) => deref(old, vector + 4 + 4 * i));
  const oldBufferTables = elements(oldBuffers, bufferCount);
  const oldMetadataTables = elements(oldMetadata, metadataCount);

  const w = new Writer();
  w.u32(0); // root offset, patched
  w.bytes(Buffer.from('TFL3', 'latin1'));
  // Offsets into the old model are resolved once its position P is known: record them symbolically.
  const pending = []; // { at, target: number (absolute in new file) | { old: pos } }
  const entries = [];
  if (f(0)) entries.push({ id: 0, kind: 'u32', value: old.readUInt32LE(f(0)) });
  for (const id of [1, 2, 3, 5, 7, 8, 9])
    if (f(id)) entries.push({ id, kind: 'offset', value: { old: deref(old, f(id)) } });
  entries.push({ id: 4, kind: 'offset', value: 'buffers' });
  entries.push({ id: 6, kind: 'offset', value: 'metadata' });
  const modelTable = w.table(entries);
  pending.push(...modelTable.patches);
  w.u32(modelTable.table, 0);
  // buffers vector: the old Buffer tables, then ours.
  w.align(4);
  const buffersVec = w.pos;
  w.u32(bufferCount + 1);
  for (const t of oldBufferTables) {
    pending.push({ at: w.pos, target: { old: t } });
    w.u32(0);
  }
  const newBufferSlot = w.pos;
  w.u32(0);
  // metadata vector: the old Metadata tables, then TFLITE_METADATA.
  const metadataVec = w.pos;
  w.u32(metadataCount + 1);
  for (const t of oldMetadataTables) {
    pending.push({ at: w.pos, target: { old: t } });
    w.u32(0);
  }
  const newMetadataSlot = w.pos;
  w.u32(0);
  // Metadata table { name: "TFLITE_METADATA", buffer: bufferCount }
  const metaTable = w.table([
    { id: 0, kind: 'offset', value: 'name' },
    { id: 1, kind: 'u32', value: bufferCount },
  ]);
  w.u32(metaTable.table - newMetadataSlot, newMetadataSlot);
  w.align(4);
  const name = w.pos;
  const nameBytes = Buffer.from('TFLITE_METADATA', 'latin1');
  w.u32(nameBytes.length);
  w.bytes(nameBytes);
  w.u8(0);
  // Buffer table { data: [ubyte] (force_align 16) }
  const bufferTable = w.table([{ id: 0, kind: 'offset', value: 'data' }]);
  w.u32(bufferTable.table - newBufferSlot, newBufferSlot);
  while ((w.pos + 4) % 16 !== 0) w.pos++;
  const data = w.pos;
  w.u32(metadata.length);
  w.bytes(metadata);
  w.align(16);
  const P = w.pos;
  const named = { buffers: buffersVec, metadata: metadataVec, name, data };
  for (const patch of [...pending, ...metaTable.patches, ...bufferTable.patches]) {
    const target =
      typeof patch.target === 'string'
        ? named[patch.target]
        : 'old' in patch.target
          ? P + patch.target.old
          : patch.target;
    if (target <= patch.at) throw new Error('internal: a backward offset');
    w.u32(target - patch.at, patch.at);
  }
  return Buffer.concat([w.buf.subarray(0, P), old]);
}

/** A ZIP with stored (uncompressed) entries, as MediaPipe reads model bundles. */
export function storedZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data) >>> 0;
    // Keep each entry's data 16-byte aligned inside the archive (an extra field pads the header).
    const base = 30 + nameBytes.length;
    const pad = (16 - ((offset + base + 4) % 16)) % 16;
    const extra = Buffer.alloc(4 + pad);
    extra.writeUInt16LE(0xcafe, 0);
    extra.writeUInt16LE(pad, 2);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, extra, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + extra.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function newer(out, inputs) {
  if (!existsSync(out)) return false;
  const at = statSync(out).mtimeMs;
  return (
    inputs.every((p) => statSync(p).mtimeMs <= at) && statSync(fileURLToPath(import.meta.url)).mtimeMs <= at
  );
}

export function buildPoseModels() {
  mkdirSync(outDir, { recursive: true });
  const detectorPath = join(poseDir, 'pose_solution_packed_assets.data');
  const detector = readFileSync(detectorPath);
  if (detector.subarray(4, 8).toString('latin1') !== 'TFL3')
    throw new Error(`${detectorPath} is not the BlazePose detector tflite`);
  const built = [];
  for (const variant of ['lite', 'full']) {
    const landmarksPath = join(poseDir, `pose_landmark_${variant}.tflite`);
    const out = join(outDir, `pose_landmarker_${variant}.task`);
    if (!newer(out, [detectorPath, landmarksPath])) {
      const bundle = storedZip([
        {
          name: 'pose_detector.tflite',
          data: withMetadata(detector, modelMetadata('pose_detector', [127.5], [127.5])),
        },
        {
          name: 'pose_landmarks_detector.tflite',
          data: withMetadata(
            readFileSync(landmarksPath),
            modelMetadata(`pose_landmarks_detector_${variant}`, [0], [255]),
          ),
        },
      ]);
      writeFileSync(`${out}.tmp`, bundle);
      renameSync(`${out}.tmp`, out);
    }
    built.push({ file: out, sha256: createHash('sha256').update(readFileSync(out)).digest('hex') });
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    for (const { file, sha256 } of buildPoseModels())
      process.stdout.write(`pose model ${file} (sha256 ${sha256.slice(0, 12)}…)\n`);
  } catch (error) {
    process.stderr.write(`build-pose-models: ${error.message}\n`);
    process.exit(1);
  }
}
