import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testMedia } from '../src/vision/demo-camera.ts';
import { ffmpegPath } from '../src/vision/ingest.ts';
import { DEFAULT_DETECTOR, resolveModel } from '../src/vision/models.ts';

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
