import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPath } from './ingest.ts';
import type { Box } from './types.ts';

/**
 * The head region of a person box (top quarter, widened a little), in pixels of a `width` x `height`
 * frame, rounded to even numbers as ffmpeg's crop wants them.
 */
export function headRegion(
  box: Box,
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } {
  const even = (v: number) => Math.max(2, Math.floor(v / 2) * 2);
  const hw = box.w * 1.2;
  const x = Math.max(0, (box.x + box.w / 2 - hw / 2) * width);
  const y = Math.max(0, box.y * height - 0.03 * box.h * height);
  const w = Math.min(width - x, hw * width);
  const h = Math.min(height - y, box.h * 0.3 * height);
  return { x: even(x), y: even(y), w: even(w), h: even(h) };
}

/**
 * Writes a JPEG snapshot with every person's head blurred beyond recognition (heavy box blur, in
 * ffmpeg), for an alert. The unblurred frame is never written to disk.
 */
export async function writeBlurredSnapshot(
  jpeg: Buffer,
  frameWidth: number,
  frameHeight: number,
  people: readonly Box[],
  outPath: string,
  ffmpeg = ffmpegPath(),
): Promise<void> {
  const regions = people
    .map((p) => headRegion(p, frameWidth, frameHeight))
    .filter((r) => r.w >= 4 && r.h >= 4);
  let graph = '[0:v]null[v0]';
  regions.forEach((r, i) => {
    graph += `;[v${i}]split=2[a${i}][b${i}];[b${i}]crop=${r.w}:${r.h}:${r.x}:${r.y},boxblur=${Math.max(2, Math.floor(Math.min(r.w, r.h) / 4))}:3[c${i}];[a${i}][c${i}]overlay=${r.x}:${r.y}[v${i + 1}]`;
  });
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'mjpeg',
    '-i',
    'pipe:0',
    '-filter_complex',
    graph,
    '-map',
    `[v${regions.length}]`,
    '-frames:v',
    '1',
    '-q:v',
    '5',
    '-y',
    outPath,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      stderr += t;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`snapshot failed: ${stderr.trim().slice(0, 200)}`)),
    );
    child.stdin.end(jpeg);
  });
  // ffmpeg creates the file with the process umask: make it readable by this user only, like the unit's files.
  chmodSync(outPath, 0o600);
}

/** Deletes snapshots older than `retentionDays`; returns how many were deleted. */
export function pruneSnapshots(dir: string, retentionDays: number, now = Date.now()): number {
  if (!existsSync(dir)) return 0;
  let deleted = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jpg')) continue;
    const path = join(dir, name);
    if (now - statSync(path).mtimeMs > retentionDays * 86_400_000) {
      unlinkSync(path);
      deleted += 1;
    }
  }
  return deleted;
}
