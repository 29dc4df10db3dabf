import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PersonDetector } from './detector.ts';
import { Exercise } from './exercises.ts';
import { FrameReader } from './ingest.ts';
import { PeoplePipeline } from './pipeline.ts';
import type { LineSpec, Point, ZoneSpec } from './types.ts';

/** A coordinate pair: normalised (0-1) or in source pixels (any value above 1 means pixels). */
const RawPoint = z.tuple([z.number().nonnegative(), z.number().nonnegative()]);

/** The `--zones FILE` format: polygons and optional lines, normalised or in source pixels. */
export const ZonesFile = z.strictObject({
  zones: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(64),
        name: z.string().min(1).max(80).optional(),
        kind: z.enum(['floor', 'equipment', 'no_seat', 'entrance']).optional(),
        capacity: z.number().int().positive().optional(),
        /** On a pose camera: reps of this exercise are counted for people standing in the zone. */
        exercise: Exercise.optional(),
        polygon: z.array(RawPoint).min(3),
      }),
    )
    .default([]),
  lines: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(64),
        name: z.string().max(80).optional(),
        from: RawPoint,
        to: RawPoint,
      }),
    )
    .default([]),
  /** Pose on a camera whose document asks for `posture`: frames a second and people per frame. */
  pose: z
    .strictObject({
      fps: z.number().min(0.2).max(30).optional(),
      maxPeople: z.number().int().min(1).max(8).optional(),
    })
    .optional(),
});
export type ZonesFile = z.infer<typeof ZonesFile>;

/** `x1,y1,x2,y2` from the command line. */
export function parseLineArg(text: string): { from: [number, number]; to: [number, number] } {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new Error(`--line wants four non-negative numbers x1,y1,x2,y2 (pixels or 0-1), got "${text}"`);
  }
  const [x1, y1, x2, y2] = values as [number, number, number, number];
  return { from: [x1, y1], to: [x2, y2] };
}

function normaliser(points: readonly (readonly [number, number])[], width: number, height: number) {
  const pixels = points.some(([x, y]) => x > 1 || y > 1);
  return ([x, y]: readonly [number, number]): Point =>
    pixels ? [Math.min(1, x / width), Math.min(1, y / height)] : [x, y];
}

/** Zones and lines in normalised coordinates for a source of the given size. */
export function normaliseLayout(
  layout: ZonesFile,
  width: number,
  height: number,
): { zones: ZoneSpec[]; lines: LineSpec[] } {
  const all = [...layout.zones.flatMap((z) => z.polygon), ...layout.lines.flatMap((l) => [l.from, l.to])];
  const norm = normaliser(all, width, height);
  return {
    zones: layout.zones.map((zone) => ({
      id: zone.id,
      name: zone.name ?? zone.id,
      polygon: zone.polygon.map(norm),
      ...(zone.kind ? { kind: zone.kind } : {}),
      ...(zone.capacity ? { capacity: zone.capacity } : {}),
      ...(zone.exercise ? { exercise: zone.exercise } : {}),
    })),
    lines: layout.lines.map((line) => ({
      id: line.id,
      name: line.name ?? line.id,
      from: norm(line.from),
      to: norm(line.to),
    })),
  };
}

export function readZonesFile(path: string): ZonesFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read zones file ${path}: ${(error as Error).message}`);
  }
  const parsed = ZonesFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `zones file ${path} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** What `gymedge vision analyze` writes to summary.json. */
export interface AnalyzeSummary {
  readonly frames: number;
  readonly fps: number;
  readonly maxPeople: number;
  readonly meanPeople: number;
  readonly lineIn: number;
  readonly lineOut: number;
  /** Wall-clock processing rate, decode included. */
  readonly processedFps: number;
  readonly source: { readonly width?: number; readonly height?: number };
  readonly zones: Readonly<Record<string, { readonly maxPeople: number; readonly meanPeople: number }>>;
}

export interface AnalyzeOptions {
  readonly input: string;
  readonly out: string;
  readonly detector: PersonDetector;
  readonly layout?: ZonesFile;
  /** Stop after this many frames (tests use short clips). */
  readonly maxFrames?: number;
  readonly fps?: number;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /**
   * Frames read ahead while one is detected (ffmpeg's decode and the pipe transfer of frame n+1 overlap
   * the detection of frame n); default 1, 0 reads each frame only after the previous one was analysed.
   */
  readonly readAhead?: number;
}

/**
 * Iterates `source` while keeping `depth` items requested ahead of the consumer, so producing item n+1
 * (here: decoding a frame and moving its 1.2 MB through the pipe) overlaps consuming item n.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  const request = () => {
    const next = iterator.next();
    next.catch(() => undefined); // awaited below; this only keeps an unread one from being "unhandled"
    queue.push(next);
  };
  try {
    for (;;) {
      while (queue.length < depth + 1) request();
      const result = await (queue.shift() as Promise<IteratorResult<T>>);
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

/**
 * Analyses a video file frame by frame (no frame dropped) and writes counts.csv, events.jsonl and
 * summary.json to `out`.
 */
export async function analyzeVideo(options: AnalyzeOptions): Promise<AnalyzeSummary> {
  mkdirSync(options.out, { recursive: true });
  const reader = new FrameReader({
    source: options.input,
    width: options.detector.inputWidth,
    height: options.detector.inputHeight,
    ...(options.fps === undefined ? {} : { fps: options.fps }),
  });
  const csv: string[] = ['frame,timeSec,people'];
  const events: string[] = [];
  const zoneStats = new Map<string, { max: number; sum: number }>();
  let pipeline: PeoplePipeline | undefined;
  let frames = 0;
  let sum = 0;
  let max = 0;
  const started = Date.now();
  try {
    for await (const frame of readAhead(reader.frames(), options.readAhead ?? 1)) {
      if (pipeline === undefined) {
        const info = reader.info;
        const layout = normaliseLayout(
          options.layout ?? { zones: [], lines: [] },
          info?.sourceWidth ?? frame.width,
          info?.sourceHeight ?? frame.height,
        );
        pipeline = new PeoplePipeline(options.detector, layout);
        for (const zone of layout.zones) zoneStats.set(zone.id, { max: 0, sum: 0 });
      }
      const result = await pipeline.process(frame);
      frames += 1;
      sum += result.people;
      max = Math.max(max, result.people);
      csv.push(`${result.frame},${result.timeSec.toFixed(2)},${result.people}`);
      for (const event of result.events)
        events.push(JSON.stringify({ ...event, timeSec: round2(event.timeSec) }));
      for (const [id, people] of Object.entries(result.zones)) {
        const stats = zoneStats.get(id);
        if (stats) {
          stats.max = Math.max(stats.max, people);
          stats.sum += people;
        }
      }
      const info = reader.info;
      const total = info?.durationSec === undefined ? undefined : Math.round(info.durationSec * info.fps);
      options.onProgress?.(frames, options.maxFrames ?? total);
      if (options.maxFrames !== undefined && frames >= options.maxFrames) break;
    }
  } finally {
    await reader.stop();
  }
  const elapsed = (Date.now() - started) / 1000;
  const info = reader.info;
  const summary: AnalyzeSummary = {
    frames,
    fps: info?.fps ?? options.fps ?? 0,
    maxPeople: max,
    meanPeople: frames === 0 ? 0 : round2(sum / frames),
    lineIn: pipeline?.counter.lineIn ?? 0,
    lineOut: pipeline?.counter.lineOut ?? 0,
    processedFps: elapsed > 0 ? round2(frames / elapsed) : 0,
    source: {
      ...(info?.sourceWidth === undefined ? {} : { width: info.sourceWidth }),
      ...(info?.sourceHeight === undefined ? {} : { height: info.sourceHeight }),
    },
    zones: Object.fromEntries(
      [...zoneStats].map(([id, s]) => [
        id,
        { maxPeople: s.max, meanPeople: frames === 0 ? 0 : round2(s.sum / frames) },
      ]),
    ),
  };
  writeFileSync(join(options.out, 'counts.csv'), `${csv.join('\n')}\n`);
  writeFileSync(join(options.out, 'events.jsonl'), events.length === 0 ? '' : `${events.join('\n')}\n`);
  writeFileSync(join(options.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
