import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { createYoloxDetector, ModelUnavailableError } from '../src/vision/detector.ts';
import { FrameReader, IngestError } from '../src/vision/ingest.ts';
import { DEFAULT_DETECTOR, loadManifest, resolveModel } from '../src/vision/models.ts';
import { type CameraConfig, VisionService, type VisionSink } from '../src/vision/service.ts';
import { ffmpeg, NO_MODEL, testClip } from './vision-support.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vision-bad-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(source: string, size = { width: 64, height: 48 }): Promise<number> {
  const reader = new FrameReader({ source, ...size, timeoutMs: 2000 });
  let frames = 0;
  try {
    for await (const _frame of reader.frames()) frames += 1;
  } finally {
    await reader.stop();
  }
  return frames;
}

describe('ingest: bad input gives a clear error, never a hang or a crash', () => {
  it('a file that is not a video', async () => {
    const path = join(dir, 'notes.mp4');
    writeFileSync(path, 'these are not the frames you are looking for\n'.repeat(100));
    await expect(readAll(path)).rejects.toThrow(
      /no video frames could be read from .*notes\.mp4: .*invalid data/i,
    );
  });

  it('a missing file', async () => {
    await expect(readAll(join(dir, 'nope.avi'))).rejects.toBeInstanceOf(IngestError);
  });

  it('a truncated video yields the frames before the cut, then ends', async () => {
    const full = testClip(dir, 'full.mp4', '320x240', 60);
    const bytes = readFileSync(full);
    const cut = join(dir, 'cut.ts');
    // MPEG-TS survives truncation frame by frame (an mp4 cut loses its index: then it is a clear error).
    ffmpeg('-i', full, '-c', 'copy', join(dir, 'full.ts'));
    const ts = readFileSync(join(dir, 'full.ts'));
    writeFileSync(cut, ts.subarray(0, Math.floor(ts.length / 2)));
    const frames = await readAll(cut);
    expect(frames).toBeGreaterThan(5);
    expect(frames).toBeLessThan(60);
    const cutMp4 = join(dir, 'cut.mp4');
    writeFileSync(cutMp4, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readAll(cutMp4)).rejects.toThrow(/no video frames could be read|stopped after/);
  });

  it('a corrupt video (garbage in the middle) still decodes around the damage', async () => {
    const ts = join(dir, 'corrupt.ts');
    copyFileSync(join(dir, 'full.ts'), ts);
    const fd = openSync(ts, 'r+');
    writeSync(fd, Buffer.alloc(20_000, 0x5a), 0, 20_000, 30_000);
    closeSync(fd);
    const frames = await readAll(ts);
    expect(frames).toBeGreaterThan(20);
  });

  it('a 4K frame is scaled to the fixed detector size', async () => {
    const big = testClip(dir, '4k.mp4', '3840x2160', 3, 5);
    const reader = new FrameReader({ source: big, width: 64, height: 48 });
    const sizes: number[] = [];
    for await (const frame of reader.frames()) sizes.push(frame.bgr.length);
    await reader.stop();
    expect(sizes).toEqual([64 * 48 * 3, 64 * 48 * 3, 64 * 48 * 3]);
  });

  it('a stream that changes resolution mid-stream keeps its fixed output size', async () => {
    const a = testClip(dir, 'a.ts', '320x240', 10);
    const b = testClip(dir, 'b.ts', '640x360', 10);
    const joined = join(dir, 'joined.ts');
    writeFileSync(joined, Buffer.concat([readFileSync(a), readFileSync(b)]));
    const reader = new FrameReader({ source: joined, width: 64, height: 48 });
    let frames = 0;
    for await (const frame of reader.frames()) {
      expect(frame.bgr.length).toBe(64 * 48 * 3);
      frames += 1;
    }
    await reader.stop();
    expect(frames).toBeGreaterThanOrEqual(19);
  });

  it('an unreachable stream fails within its timeout', async () => {
    const started = Date.now();
    await expect(readAll('rtsp://127.0.0.1:9/none')).rejects.toThrow(
      /no video frames could be read from rtsp:\/\/127\.0\.0\.1:9\/none/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('models: a wrong checksum is refused before loading', () => {
  it('refuses a model file whose sha256 does not match the manifest, naming the file', async () => {
    const bad = join(dir, DEFAULT_DETECTOR);
    writeFileSync(bad, Buffer.from('not really an onnx model'));
    const found = resolveModel(DEFAULT_DETECTOR, { dirs: [dir] });
    expect(found.ok).toBe(false);
    expect(found.ok ? '' : found.reason).toMatch(
      /refused \(wrong checksum\).*yolox_nano_640x640\.onnx has sha256/,
    );
    await expect(createYoloxDetector({ path: bad })).rejects.toBeInstanceOf(ModelUnavailableError);
    const missing = resolveModel(DEFAULT_DETECTOR, { dirs: [join(dir, 'empty')] });
    expect(missing.ok ? '' : missing.reason).toMatch(/not found .*fetch-models/);
    expect(loadManifest().models.every((m) => /^[0-9a-f]{64}$/.test(m.sha256))).toBe(true);
  });
});

function memorySink() {
  const samples: { zoneId: string; people: number }[] = [];
  const events: string[] = [];
  const sink: VisionSink = {
    occupancy: (zoneId, _at, people) => samples.push({ zoneId, people }),
    event: (kind) => events.push(kind),
    alert: async () => undefined,
  };
  return { sink, samples, events };
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('vision service: one bad camera does not stop the others', () => {
  it('keeps the good camera running while the unreachable one reconnects with back-off', async () => {
    const good = testClip(dir, 'good.mp4', '320x240', 20);
    const cameras: CameraConfig[] = [
      { id: 'good', name: 'Boa', source: good, fps: 5, loop: true, zones: [], lines: [] },
      { id: 'bad', name: 'Quebrada', source: 'rtsp://127.0.0.1:9/none', fps: 5, zones: [], lines: [] },
      { id: 'junk', name: 'Lixo', source: join(dir, 'notes.mp4'), fps: 5, zones: [], lines: [] },
    ];
    const { sink, samples } = memorySink();
    const service = new VisionService({
      detector: NO_MODEL
        ? () => Promise.reject(new ModelUnavailableError(NO_MODEL))
        : () => createYoloxDetector({ threads: 1 }),
      sink,
      logger: silentLogger(),
      sampleEverySec: 0.5,
      backoffMs: { min: 200, max: 400 },
    });
    await service.start(cameras);
    try {
      await until(
        () =>
          (service.camera('good')?.health.framesIn ?? 0) >= 5 &&
          (service.camera('bad')?.health.reconnects ?? 0) >= 1 &&
          (service.camera('junk')?.health.reconnects ?? 0) >= 1,
      );
      const health = service.health();
      const byId = Object.fromEntries(health.cameras.map((c) => [c.id, c]));
      expect(byId.good?.state).toBe('running');
      expect(byId.bad?.state).not.toBe('running');
      expect(byId.bad?.lastError).toMatch(/rtsp:\/\/127\.0\.0\.1:9/);
      expect(byId.junk?.lastError).toMatch(/invalid data/i);
      expect(health.state).toBe(NO_MODEL ? 'no_model' : 'degraded');
      expect(service.reasons().join('\n')).toMatch(/camera Quebrada is (reconnecting|starting)/);
      expect(service.camera('good')?.jpeg?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      if (!NO_MODEL) {
        await until(() => samples.length > 0);
        // A test pattern has nobody in it: zero is a real count here, because the model is loaded.
        expect(samples.every((s) => s.people === 0)).toBe(true);
      }
    } finally {
      await service.stop();
    }
  }, 40_000);

  it('with no model it says so plainly, keeps showing frames and writes no (false zero) counts', async () => {
    const good = join(dir, 'good.mp4');
    const { sink, samples } = memorySink();
    const service = new VisionService({
      detector: () => createYoloxDetector({ path: join(dir, DEFAULT_DETECTOR) }),
      sink,
      logger: silentLogger(),
      sampleEverySec: 0.2,
    });
    await service.start([
      { id: 'cam', name: 'Entrada', source: good, fps: 5, loop: true, zones: [], lines: [] },
    ]);
    try {
      await until(() => service.camera('cam')?.jpeg !== undefined);
      await new Promise((r) => setTimeout(r, 600));
      const health = service.health();
      expect(health.state).toBe('no_model');
      expect(health.model.ok).toBe(false);
      expect(service.reasons()[0]).toMatch(/NOT counting people.*wrong checksum/);
      expect(health.cameras[0]?.counting).toBe(false);
      expect(health.cameras[0]?.people).toBeUndefined();
      expect(samples).toEqual([]);
    } finally {
      await service.stop();
    }
  }, 30_000);
});
