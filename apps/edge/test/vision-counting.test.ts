import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeVideo } from '../src/vision/analyze.ts';
import { createYoloxDetector, type PersonDetector } from '../src/vision/detector.ts';
import { handCountError, VTEST_HAND_COUNT } from '../src/vision/hand-count.ts';
import { NO_MODEL, NO_VTEST, VTEST } from './vision-support.ts';

describe.skipIf(NO_MODEL !== '' || NO_VTEST !== '')(
  `vision analyze on real footage ${NO_MODEL || NO_VTEST}`,
  () => {
    let detector: PersonDetector;
    let out: string;
    beforeAll(async () => {
      detector = await createYoloxDetector();
      out = mkdtempSync(join(tmpdir(), 'vision-analyze-'));
    });
    afterAll(async () => {
      await detector?.close();
      rmSync(out, { recursive: true, force: true });
    });

    it('counts the pedestrians of vtest.avi within one of the hand count and writes the three files', async () => {
      const summary = await analyzeVideo({
        input: VTEST as string,
        out,
        detector,
        maxFrames: 131,
        // A vertical line at x = 0.35 of the frame, as in docs/vision.md; and the walkway as a zone.
        layout: {
          zones: [
            {
              id: 'walkway',
              polygon: [
                [0, 0.3],
                [0.62, 0.2],
                [1, 0.2],
                [1, 0.85],
                [0.45, 0.62],
                [0, 0.45],
              ],
            },
          ],
          lines: [{ id: 'crossing', from: [0.35, 0.2], to: [0.35, 0.8] }],
        },
      });
      expect(summary.frames).toBe(131);
      expect(summary.fps).toBe(10);
      expect(summary.source).toEqual({ width: 768, height: 576 });
      const rows = readFileSync(join(out, 'counts.csv'), 'utf8').trim().split('\n');
      expect(rows[0]).toBe('frame,timeSec,people');
      expect(rows).toHaveLength(132);
      // The hand-counted frames inside the first 131 (docs/vision.md).
      for (const hand of VTEST_HAND_COUNT.filter((h) => h.frame <= 130)) {
        const row = rows[hand.frame + 1]?.split(',');
        expect(row?.[0]).toBe(String(hand.frame));
        expect(Math.abs(handCountError(Number(row?.[2]), hand))).toBeLessThanOrEqual(1);
      }
      expect(summary.maxPeople).toBeGreaterThanOrEqual(6);
      expect(summary.maxPeople).toBeLessThanOrEqual(9);
      const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; trackId: number; direction?: string });
      expect(events.some((e) => e.kind === 'zone_enter')).toBe(true);
      for (const e of events) expect(e.trackId).toBeGreaterThan(0);
      const crossings = events.filter((e) => e.kind === 'line_cross');
      expect(summary.lineIn + summary.lineOut).toBe(crossings.length);
      expect(crossings.every((e) => e.direction === 'in' || e.direction === 'out')).toBe(true);
      const written = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(written)).toEqual(
        expect.arrayContaining(['frames', 'fps', 'maxPeople', 'meanPeople', 'lineIn', 'lineOut']),
      );
    }, 180_000);
  },
);
