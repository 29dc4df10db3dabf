import * as ort from 'onnxruntime-node';
import { type ModelResolution, resolveModel } from './models.ts';
import type { Box, Detection } from './types.ts';

/** A person detector: one BGR frame of its own input size in, person boxes (normalised 0-1) out. */
export interface PersonDetector {
  /** The frame size the detector wants (the ingest scales to it). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** `bgr` holds inputWidth x inputHeight x 3 bytes, the whole frame stretched to that size. */
  detect(bgr: Uint8Array): Promise<Detection[]>;
  close(): Promise<void>;
}

export interface YoloxOptions {
  /** Manifest name of the model; default yolox_nano_640x640.onnx. */
  readonly model?: string;
  /** An explicit model file (still sha256-checked against the manifest entry). */
  readonly path?: string;
  /** Detections below this score are dropped before tracking; default 0.25 (the tracker wants weak ones too). */
  readonly minScore?: number;
  readonly nmsIou?: number;
  /** onnxruntime intra-op threads; default 2. */
  readonly threads?: number;
}

/** Why a detector could not be made: the model is missing, refused, or would not load. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

/** Intersection over union of two boxes. */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.w, b.x + b.w);
  const y2 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.w * a.h + b.w * b.h - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Greedy non-maximum suppression, highest score first. */
export function nms(detections: Detection[], threshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    if (kept.every((k) => iou(k, candidate) < threshold)) kept.push(candidate);
  }
  return kept;
}

/**
 * Decodes YOLOX's raw head output: rows over strides 8, 16, 32 in row-major grid order, each row
 * cx, cy, w, h (grid-relative), objectness, 80 class scores. Only class 0 (person) is kept.
 */
export function decodeYolox(
  output: Float32Array,
  inputWidth: number,
  inputHeight: number,
  minScore: number,
): Detection[] {
  const detections: Detection[] = [];
  const stride = 85;
  let row = 0;
  for (const s of [8, 16, 32]) {
    const gw = Math.floor(inputWidth / s);
    const gh = Math.floor(inputHeight / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const o = row * stride;
        const score = (output[o + 4] ?? 0) * (output[o + 5] ?? 0);
        if (score < minScore) continue;
        const cx = ((output[o] ?? 0) + gx) * s;
        const cy = ((output[o + 1] ?? 0) + gy) * s;
        const w = Math.exp(output[o + 2] ?? 0) * s;
        const h = Math.exp(output[o + 3] ?? 0) * s;
        detections.push({
          x: (cx - w / 2) / inputWidth,
          y: (cy - h / 2) / inputHeight,
          w: w / inputWidth,
          h: h / inputHeight,
          score,
        });
      }
    }
  }
  return detections;
}

/** YOLOX-nano on onnxruntime-node (CPU). Create with {@link createYoloxDetector}. */
class YoloxDetector implements PersonDetector {
  private readonly input: Float32Array;
  constructor(
    private readonly session: ort.InferenceSession,
    readonly inputWidth: number,
    readonly inputHeight: number,
    private readonly minScore: number,
    private readonly nmsIou: number,
  ) {
    this.input = new Float32Array(3 * inputWidth * inputHeight);
  }

  async detect(bgr: Uint8Array): Promise<Detection[]> {
    const plane = this.inputWidth * this.inputHeight;
    if (bgr.length !== plane * 3) {
      throw new Error(
        `frame has ${bgr.length} bytes, expected ${plane * 3} (${this.inputWidth}x${this.inputHeight} bgr24)`,
      );
    }
    const input = this.input;
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      input[i] = bgr[p] ?? 0;
      input[plane + i] = bgr[p + 1] ?? 0;
      input[2 * plane + i] = bgr[p + 2] ?? 0;
    }
    const tensor = new ort.Tensor('float32', input, [1, 3, this.inputHeight, this.inputWidth]);
    const name = this.session.outputNames[0] ?? 'output';
    const result = await this.session.run({ [this.session.inputNames[0] ?? 'images']: tensor });
    const output = result[name];
    if (output === undefined) throw new Error('detector returned no output');
    const raw = decodeYolox(output.data as Float32Array, this.inputWidth, this.inputHeight, this.minScore);
    return nms(raw, this.nmsIou);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Resolves the model (sha256-checked), then loads it. Throws {@link ModelUnavailableError} with a
 * sentence a person can act on when the model is missing, has the wrong checksum, or fails to load.
 */
export async function createYoloxDetector(options: YoloxOptions = {}): Promise<PersonDetector> {
  const found: ModelResolution = resolveModel(options.model ?? 'yolox_nano_640x640.onnx', {
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!found.ok) throw new ModelUnavailableError(found.reason);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(found.path, {
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // No busy-waiting between runs: on a shared 2-core unit (cameras, API, screens) spinning worker
      // threads doubled the CPU per frame (85-90 vs 39-41 CPU-ms) and tripled wall time under load.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (error) {
    throw new ModelUnavailableError(`model ${found.path} would not load: ${(error as Error).message}`);
  }
  return new YoloxDetector(
    session,
    found.entry.inputWidth ?? 640,
    found.entry.inputHeight ?? 640,
    options.minScore ?? 0.25,
    options.nmsIou ?? 0.45,
  );
}
