import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Exercise, FEEDBACK_TEXT, type FeedbackCode, type Landmark, RepCounter } from './exercises.ts';
import { jpegFrames, type PoseEstimator } from './pose.ts';
import { DroppedWeightRule } from './rules.ts';

/** What `gymedge vision pose` writes to reps.json. */
export interface PoseSummary {
  readonly exercise: Exercise;
  readonly frames: number;
  readonly framesWithPerson: number;
  readonly fps: number;
  readonly count: number;
  readonly reps: RepCounter['reps'];
  readonly weightDrops: readonly number[];
  /** Mean model time per frame (ms), and wall-clock frames per second end to end. */
  readonly modelMs: number;
  readonly processedFps: number;
}

export interface PoseAnalyzeOptions {
  readonly input: string;
  readonly out: string;
  readonly exercise: Exercise;
  readonly estimator: PoseEstimator;
  /** Analysis rate (frames per second); default 15. */
  readonly fps?: number;
  readonly maxFrames?: number;
  readonly onProgress?: (done: number) => void;
  /** Frames sent to the page before the oldest result is read; default 2 (1 = no overlap). */
  readonly inFlight?: number;
}

/**
 * Pose landmarks frame by frame, reps counted by the exercise's state machine, feedback in pt-BR and
 * English: DIR/landmarks.jsonl, DIR/reps.json, DIR/feedback.json.
 */
export async function analyzePose(options: PoseAnalyzeOptions): Promise<PoseSummary> {
  mkdirSync(options.out, { recursive: true });
  const fps = options.fps ?? 15;
  const counter = new RepCounter(options.exercise);
  const drops = new DroppedWeightRule();
  const lines: string[] = [];
  const weightDrops: number[] = [];
  let frames = 0;
  let withPerson = 0;
  let modelMs = 0;
  const started = Date.now();
  const depth = Math.max(1, options.inFlight ?? 2);
  const inFlight: { index: number; result: Promise<{ landmarks?: Landmark[]; ms: number }> }[] = [];
  const settle = async () => {
    const next = inFlight.shift();
    if (next === undefined) return;
    const { index } = next;
    const timeSec = index / fps;
    const { landmarks, ms } = await next.result;
    frames += 1;
    modelMs += ms;
    if (landmarks) withPerson += 1;
    counter.update(landmarks, timeSec);
    const drop = drops.update(landmarks, timeSec);
    if (drop) weightDrops.push(Math.round(timeSec * 100) / 100);
    lines.push(
      JSON.stringify({
        frame: index,
        timeSec: Math.round(timeSec * 100) / 100,
        landmarks:
          landmarks?.map((l) => [round(l.x), round(l.y), round(l.z ?? 0), round(l.visibility ?? 0)]) ?? null,
      }),
    );
    options.onProgress?.(frames);
  };
  // Frame n+1 is decoded and sent to the page while frame n is analysed (results are read in order).
  for await (const { index, jpeg } of jpegFrames(options.input, {
    fps,
    ...(options.maxFrames === undefined ? {} : { maxFrames: options.maxFrames }),
  })) {
    const result = options.estimator.detect(jpeg);
    result.catch(() => undefined);
    inFlight.push({ index, result });
    if (inFlight.length >= depth) await settle();
  }
  while (inFlight.length > 0) await settle();
  const elapsed = (Date.now() - started) / 1000;
  const summary: PoseSummary = {
    exercise: options.exercise,
    frames,
    framesWithPerson: withPerson,
    fps,
    count: counter.count,
    reps: counter.reps,
    weightDrops,
    modelMs: frames === 0 ? 0 : Math.round((modelMs / frames) * 10) / 10,
    processedFps: elapsed > 0 ? Math.round((frames / elapsed) * 10) / 10 : 0,
  };
  const feedback = (language: 'pt-BR' | 'en') =>
    counter.reps
      .filter((r) => r.feedback.length > 0)
      .map((r) => ({
        rep: r.index,
        atSec: r.startSec,
        counted: r.counted,
        messages: r.feedback.map((c: FeedbackCode) => FEEDBACK_TEXT[c][language]),
      }));
  writeFileSync(join(options.out, 'landmarks.jsonl'), lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  writeFileSync(join(options.out, 'reps.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(
    join(options.out, 'feedback.json'),
    `${JSON.stringify({ 'pt-BR': feedback('pt-BR'), en: feedback('en') }, null, 2)}\n`,
  );
  return summary;
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
