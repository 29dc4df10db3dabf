import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../src/lib/logger.ts';
import { openUnitStore } from '../src/unit-store.ts';
import { testMedia } from '../src/vision/demo-camera.ts';
import { type Landmark, LM } from '../src/vision/exercises.ts';
import { ffmpegPath } from '../src/vision/ingest.ts';
import { DEFAULT_DETECTOR, resolveModel } from '../src/vision/models.ts';
import type { Box } from '../src/vision/types.ts';

/** vtest.avi when scripts/fetch-test-media.sh fetched it (CI does). */
export const VTEST = testMedia('vtest.avi');
export const MESSI = testMedia('messi5.jpg');
export const NO_VTEST = VTEST === undefined ? 'vtest.avi not fetched: run scripts/fetch-test-media.sh' : '';

const model = resolveModel(DEFAULT_DETECTOR);
/** Why detector tests skip, or '' when the real model is here (../shared/models in CI). */
export const NO_MODEL = model.ok ? '' : `person detector unavailable: ${model.reason}`;

/** Runs ffmpeg with arguments (synchronously: test fixtures only); throws on failure. */
export function ffmpeg(...args: string[]): void {
  const result = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${result.stderr}`);
}

/** A synthetic clip (moving test pattern) of the given size, frames and rate. */
export function testClip(dir: string, name: string, size: string, frames: number, rate = 10): string {
  const path = join(dir, name);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=${rate}`,
    '-frames:v',
    String(frames),
    '-pix_fmt',
    'yuv420p',
    path,
  );
  return path;
}

/** A clip of a still photograph (the camera sees a person who does not move), `seconds` long. */
export function stillClip(dir: string, image: string, seconds = 4, rate = 10): string {
  const path = join(dir, 'still.mp4');
  ffmpeg(
    '-loop',
    '1',
    '-i',
    image,
    '-t',
    String(seconds),
    '-r',
    String(rate),
    '-vf',
    'scale=640:-2',
    '-pix_fmt',
    'yuv420p',
    path,
  );
  return path;
}

/** Creates a camera document in a unit's store before the unit starts (the unit then runs it). */
export async function createCamera(
  dataDir: string,
  unitId: string,
  fields: {
    readonly name: string;
    readonly source: string;
    readonly fps: number;
    readonly analyses: ('occupancy' | 'flow' | 'posture' | 'equipment_use')[];
  },
  layout?: unknown,
): Promise<string> {
  const dir = join(dataDir, unitId);
  const unit = openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0 });
  try {
    await unit.ready;
    const created = await unit.store.create('camera', { ...fields, enabled: true });
    if (layout !== undefined) {
      mkdirSync(join(dir, 'vision'), { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'vision', 'layout.json'), JSON.stringify({ [created.id]: layout }));
    }
    return created.id;
  } finally {
    await unit.close();
  }
}

/** One part of a camera's multipart stream, as a client reads it. */
export interface StreamedFrame {
  readonly jpeg: Buffer;
  readonly overlay?: Record<string, unknown>;
}

/** Reads `count` parts of a multipart MJPEG response (by Content-Length), then cancels it. */
export async function readStream(
  response: Response,
  count: number,
  timeoutMs = 30_000,
): Promise<StreamedFrame[]> {
  if (response.body === null) throw new Error('no body');
  const reader = response.body.getReader();
  const frames: StreamedFrame[] = [];
  let buffer = Buffer.alloc(0);
  const deadline = Date.now() + timeoutMs;
  try {
    while (frames.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${frames.length} of ${count} frames in ${timeoutMs} ms`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer = Buffer.concat([buffer, Buffer.from(value)]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffer.subarray(0, end).toString('utf8');
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1]);
        if (buffer.length < end + 4 + length) break;
        const overlay = /x-vision-overlay:\s*(.*)/i.exec(head)?.[1];
        frames.push({
          jpeg: Buffer.from(buffer.subarray(end + 4, end + 4 + length)),
          ...(overlay ? { overlay: JSON.parse(overlay) as Record<string, unknown> } : {}),
        });
        buffer = buffer.subarray(end + 4 + length);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return frames;
}

/** Signs in as the unit's first owner and returns the bearer token. */
export async function signIn(url: string, password: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password }),
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status}`);
  return ((await login.json()) as { token: string }).token;
}

/** Polls until `probe` gives a value (not undefined), or fails after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A 33-landmark skeleton inside a box (normalised), standing with a knee angle, or lying on its side. */
export function skeleton(
  box: Box,
  spec: { knee?: number; wrists?: 'down' | 'up' | 'dropped'; lying?: boolean },
): Landmark[] {
  const at = (u: number, v: number): Landmark => ({
    x: box.x + u * box.w,
    y: box.y + v * box.h,
    visibility: 0.99,
  });
  const points: Landmark[] = Array.from({ length: 33 }, () => at(0.5, 0.15));
  const set = (i: number, u: number, v: number) => {
    points[i] = at(u, v);
  };
  if (spec.lying) {
    for (const [l, r, u] of [
      [LM.leftShoulder, LM.rightShoulder, 0.2],
      [LM.leftHip, LM.rightHip, 0.5],
      [LM.leftKnee, LM.rightKnee, 0.7],
      [LM.leftAnkle, LM.rightAnkle, 0.9],
      [LM.leftElbow, LM.rightElbow, 0.3],
      [LM.leftWrist, LM.rightWrist, 0.4],
    ] as const) {
      set(l, u, 0.82);
      set(r, u, 0.86);
    }
    return points;
  }
  const phi = ((180 - (spec.knee ?? 175)) * Math.PI) / 180;
  for (const [side, dx] of [
    ['left', -0.03],
    ['right', 0.03],
  ] as const) {
    const knee = { u: 0.5 + dx, v: 0.75 };
    const hip = { u: knee.u + 0.2 * Math.sin(phi), v: knee.v - 0.2 * Math.cos(phi) };
    const shoulder = { u: hip.u, v: hip.v - 0.3 };
    const wristV = spec.wrists === 'up' ? shoulder.v - 0.15 : spec.wrists === 'dropped' ? 0.9 : hip.v;
    const idx = side === 'left' ? 0 : 1;
    set([LM.leftAnkle, LM.rightAnkle][idx] as number, knee.u, 0.95);
    set([LM.leftKnee, LM.rightKnee][idx] as number, knee.u, knee.v);
    set([LM.leftHip, LM.rightHip][idx] as number, hip.u, hip.v);
    set([LM.leftShoulder, LM.rightShoulder][idx] as number, shoulder.u + dx * 2, shoulder.v);
    set([LM.leftElbow, LM.rightElbow][idx] as number, shoulder.u + dx * 4, (shoulder.v + wristV) / 2);
    set([LM.leftWrist, LM.rightWrist][idx] as number, shoulder.u + dx * 4, wristV);
    set([LM.leftEar, LM.rightEar][idx] as number, shoulder.u + dx, shoulder.v - 0.1);
  }
  return points;
}
