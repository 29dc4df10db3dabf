import { describe, expect, it } from 'vitest';
import { FlowCounter, insidePolygon } from './counting.ts';
import { DroppedWeightRule, SafetyRules } from './rules.ts';
import { ByteTracker } from './tracker.ts';
import type { Detection, TrackedPerson, VisionEvent } from './types.ts';

const person = (cx: number, foot: number, score = 0.85, h = 0.12): Detection => ({
  x: cx - h / 6,
  y: foot - h,
  w: h / 3,
  h,
  score,
});

/** Runs detections per frame (10 fps) through tracker + counter. */
function simulate(frames: Detection[][], counter = new FlowCounter([], [])) {
  const tracker = new ByteTracker();
  const events: VisionEvent[] = [];
  const perFrame: TrackedPerson[][] = [];
  frames.forEach((detections, i) => {
    const tracks = tracker.update(detections, 0.1);
    perFrame.push(tracks);
    events.push(...counter.update(tracks, i, i / 10).events);
  });
  return { events, perFrame, counter };
}

describe('tracker', () => {
  it('keeps one id for a person walking across, through a short occlusion', () => {
    const frames: Detection[][] = [];
    for (let i = 0; i < 40; i++) frames.push(i >= 18 && i < 22 ? [] : [person(0.1 + i * 0.02, 0.6)]);
    const { perFrame } = simulate(frames);
    const ids = new Set(perFrame.flat().map((t) => t.id));
    expect(ids.size).toBe(1);
    expect(perFrame[39]?.[0]?.confirmed).toBe(true);
  });

  it('never counts a one-frame flicker, and confirms a person after 3 frames', () => {
    const frames: Detection[][] = [
      [person(0.5, 0.5)],
      [],
      [],
      [person(0.2, 0.5)],
      [person(0.2, 0.5)],
      [person(0.2, 0.5)],
    ];
    const { perFrame } = simulate(frames);
    expect(perFrame[0]?.some((t) => t.confirmed)).toBe(false);
    expect(perFrame[4]?.some((t) => t.confirmed)).toBe(false);
    expect(perFrame[5]?.filter((t) => t.confirmed)).toHaveLength(1);
  });

  it('tracks but never counts a static object that scores like a doubtful person', () => {
    const frames: Detection[][] = [];
    for (let i = 0; i < 60; i++) frames.push([person(0.05, 0.25, i % 7 === 0 ? 0.58 : 0.4)]);
    const { perFrame } = simulate(frames);
    expect(perFrame.flat().some((t) => t.confirmed)).toBe(false);
  });

  it('keeps two people apart when they pass each other', () => {
    const frames: Detection[][] = [];
    for (let i = 0; i < 30; i++) frames.push([person(0.2 + i * 0.02, 0.5), person(0.8 - i * 0.02, 0.7)]);
    const { perFrame } = simulate(frames);
    const last = perFrame[29] ?? [];
    expect(new Set(perFrame.flat().map((t) => t.id)).size).toBe(2);
    const top = last.find((t) => t.y + t.h < 0.6);
    expect(top?.id).toBe(perFrame[5]?.find((t) => t.y + t.h < 0.6)?.id);
  });
});

describe('counting lines and zones', () => {
  const line = { id: 'door', name: 'Porta', from: [0.5, 0] as const, to: [0.5, 1] as const };

  it('counts a crossing once per direction (in = to the right of from→to), ignoring jitter on the line', () => {
    const frames: Detection[][] = [];
    // Left to right...
    for (let i = 0; i < 20; i++) frames.push([person(0.3 + i * 0.02, 0.6)]);
    // ...then dithering on the line for a second...
    for (let i = 0; i < 10; i++) frames.push([person(0.695 - (i % 2) * 0.004, 0.6)]);
    // ...and back to the left.
    for (let i = 0; i < 20; i++) frames.push([person(0.69 - i * 0.02, 0.6)]);
    const counter = new FlowCounter([], [line]);
    const { events } = simulate(frames, counter);
    const crossings = events.filter((e) => e.kind === 'line_cross');
    // A vertical line drawn top to bottom: its right side (y down) is the left of the image.
    expect(crossings.map((e) => (e.kind === 'line_cross' ? e.direction : ''))).toEqual(['out', 'in']);
    expect(counter.lineIn).toBe(1);
    expect(counter.lineOut).toBe(1);
  });

  it('does not count a crossing outside the segment', () => {
    const short = { id: 's', name: 's', from: [0.5, 0] as const, to: [0.5, 0.3] as const };
    const frames: Detection[][] = [];
    for (let i = 0; i < 20; i++) frames.push([person(0.3 + i * 0.02, 0.8)]);
    const { events } = simulate(frames, new FlowCounter([], [short]));
    expect(events.filter((e) => e.kind === 'line_cross')).toEqual([]);
  });

  it('reports zone occupancy, enter and exit with dwell time', () => {
    const zone = {
      id: 'z',
      name: 'Musculação',
      polygon: [
        [0.4, 0.4],
        [0.8, 0.4],
        [0.8, 0.9],
        [0.4, 0.9],
      ] as [number, number][],
    };
    expect(insidePolygon([0.5, 0.5], zone.polygon)).toBe(true);
    expect(insidePolygon([0.9, 0.5], zone.polygon)).toBe(false);
    const frames: Detection[][] = [];
    for (let i = 0; i < 50; i++) frames.push([person(0.2 + i * 0.015, 0.6), person(0.6, 0.8)]);
    const counter = new FlowCounter([zone], []);
    const tracker = new ByteTracker();
    const occupancy: number[] = [];
    const events: VisionEvent[] = [];
    frames.forEach((detections, i) => {
      const result = counter.update(tracker.update(detections, 0.1), i, i / 10);
      occupancy.push(result.zones.z ?? -1);
      events.push(...result.events);
    });
    expect(occupancy[10]).toBe(1); // the one standing inside
    expect(occupancy[25]).toBe(2); // the walker is inside too
    expect(occupancy[49]).toBe(1); // the walker has left
    const exit = events.find((e) => e.kind === 'zone_exit');
    expect(exit?.kind === 'zone_exit' && exit.dwellSec).toBeGreaterThan(2);
    expect(events.filter((e) => e.kind === 'zone_enter')).toHaveLength(2);
  });
});

describe('safety rules', () => {
  it('raises one possible-fall finding for a person lying still, then a cool-down', () => {
    const rules = new SafetyRules([], { lyingSec: 3, coolDownSec: 60 });
    const tracker = new ByteTracker();
    const findings: string[] = [];
    for (let i = 0; i < 100; i++) {
      const standing = i < 10;
      const box: Detection = standing
        ? person(0.5, 0.8, 0.9, 0.2)
        : { x: 0.4, y: 0.72, w: 0.2, h: 0.08, score: 0.8 };
      const tracks = tracker.update([box], 0.1);
      for (const f of rules.update(tracks, i / 10)) findings.push(f.rule);
    }
    expect(findings).toEqual(['possible_fall']);
  });

  it('flags sitting in a no-seat zone, not sitting elsewhere', () => {
    const zones = [
      {
        id: 'lawn',
        name: 'Gramado',
        kind: 'no_seat' as const,
        polygon: [
          [0, 0.5],
          [0.5, 0.5],
          [0.5, 1],
          [0, 1],
        ] as [number, number][],
      },
    ];
    const run = (cx: number) => {
      const rules = new SafetyRules(zones, { sittingSec: 2 });
      const tracker = new ByteTracker();
      const out: string[] = [];
      for (let i = 0; i < 80; i++) {
        const h = i < 20 ? 0.2 : 0.11; // stands, then sits down
        const tracks = tracker.update([person(cx, 0.8, 0.9, h)], 0.1);
        for (const f of rules.update(tracks, i / 10)) out.push(`${f.rule}:${f.zoneId}`);
      }
      return out;
    };
    expect(run(0.25)).toEqual(['sitting_no_seat:lawn']);
    expect(run(0.75)).toEqual([]);
  });

  it('detects weights dropped (both wrists fall fast) once per drop, not a controlled lowering', () => {
    const body = (wristY: number) => {
      const l = Array.from({ length: 33 }, () => ({ x: 0.5, y: 0.5, visibility: 1 }));
      l[11] = { x: 0.45, y: 0.3, visibility: 1 };
      l[27] = { x: 0.45, y: 0.9, visibility: 1 };
      l[15] = { x: 0.4, y: wristY, visibility: 1 };
      l[16] = { x: 0.6, y: wristY, visibility: 1 };
      return l;
    };
    const controlled = new DroppedWeightRule();
    const slow: string[] = [];
    for (let i = 0; i <= 60; i++) {
      const f = controlled.update(body(0.25 + (0.55 * i) / 60), i / 30); // 2 s down
      if (f) slow.push(f.rule);
    }
    expect(slow).toEqual([]);
    const dropped = new DroppedWeightRule();
    const fast: string[] = [];
    const ys = [...Array(10).fill(0.25), 0.35, 0.5, 0.65, 0.8, ...Array(20).fill(0.8)];
    ys.forEach((y, i) => {
      const f = dropped.update(body(y), i / 30);
      if (f) fast.push(f.rule);
    });
    expect(fast).toEqual(['weight_dropped']);
  });
});

describe('alert snapshots', () => {
  it('blurs every head before writing, keeps the file private, and deletes it after the retention', async () => {
    const { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } = await import(
      'node:fs'
    );
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawnSync } = await import('node:child_process');
    const { ffmpegPath } = await import('./ingest.ts');
    const { headRegion, pruneSnapshots, writeBlurredSnapshot } = await import('./snapshot.ts');
    const dir = mkdtempSync(join(tmpdir(), 'vision-snap-'));
    try {
      const source = join(dir, 'frame.jpg');
      spawnSync(ffmpegPath(), [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240',
        '-frames:v',
        '1',
        '-y',
        source,
      ]);
      const person = { x: 0.4, y: 0.1, w: 0.2, h: 0.6 };
      const region = headRegion(person, 320, 240);
      expect(region.y).toBeLessThan(0.1 * 240 + 1);
      expect(region.h).toBeGreaterThan(0.15 * 240);
      const out = join(dir, 'alert.jpg');
      await writeBlurredSnapshot(readFileSync(source), 320, 240, [person], out);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      // The head region changed (blurred); the rest of the frame did not move much.
      const gray = (file: string) =>
        spawnSync(
          ffmpegPath(),
          ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
          { maxBuffer: 1 << 24 },
        ).stdout as Buffer;
      const before = gray(source);
      const after = gray(out);
      const diff = (x0: number, y0: number, w: number, h: number) => {
        let sum = 0;
        for (let y = y0; y < y0 + h; y++)
          for (let x = x0; x < x0 + w; x++)
            sum += Math.abs((before[y * 320 + x] ?? 0) - (after[y * 320 + x] ?? 0));
        return sum / (w * h);
      };
      expect(diff(region.x + 4, region.y + 4, region.w - 8, region.h - 8)).toBeGreaterThan(
        4 * diff(0, 200, 100, 30),
      );
      const old = join(dir, 'old.jpg');
      writeFileSync(old, 'x');
      utimesSync(old, new Date(Date.now() - 8 * 86_400_000), new Date(Date.now() - 8 * 86_400_000));
      expect(pruneSnapshots(dir, 7)).toBe(1);
      expect(pruneSnapshots(join(dir, 'none'), 7)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
