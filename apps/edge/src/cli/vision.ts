import type { Command } from 'commander';
import { analyzeVideo, parseLineArg, readZonesFile, type ZonesFile } from '../vision/analyze.ts';
import { createYoloxDetector } from '../vision/detector.ts';
import { EXERCISES, Exercise } from '../vision/exercises.ts';
import { PoseEstimator } from '../vision/pose.ts';
import { analyzePose } from '../vision/pose-analyze.ts';
import { fail, progressPrinter, UsageError } from './output.ts';

interface AnalyzeCliOptions {
  input: string;
  out: string;
  line?: string;
  zones?: string;
  model?: string;
  fps?: string;
  maxFrames?: string;
}

async function analyzeCommand(options: AnalyzeCliOptions): Promise<void> {
  let layout: ZonesFile = { zones: [], lines: [] };
  try {
    if (options.zones) layout = readZonesFile(options.zones);
    if (options.line)
      layout = {
        ...layout,
        lines: [...layout.lines, { id: 'line', name: 'line', ...parseLineArg(options.line) }],
      };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const fps = options.fps === undefined ? undefined : Number(options.fps);
  const maxFrames = options.maxFrames === undefined ? undefined : Number(options.maxFrames);
  if (fps !== undefined && !(fps > 0 && fps <= 60)) throw new UsageError('--fps must be between 1 and 60');
  if (maxFrames !== undefined && !(Number.isInteger(maxFrames) && maxFrames > 0)) {
    throw new UsageError('--max-frames must be a positive whole number');
  }
  const detector = await createYoloxDetector(options.model ? { path: options.model } : {});
  try {
    const summary = await analyzeVideo({
      input: options.input,
      out: options.out,
      detector,
      layout,
      ...(fps === undefined ? {} : { fps }),
      ...(maxFrames === undefined ? {} : { maxFrames }),
      onProgress: progressPrinter('analyze', ' frames'),
    });
    process.stderr.write('\n');
    console.log(
      `${summary.frames} frames at ${summary.processedFps} fps: max ${summary.maxPeople}, mean ${summary.meanPeople} people; line in ${summary.lineIn}, out ${summary.lineOut}. Wrote ${options.out}/counts.csv, events.jsonl, summary.json.`,
    );
  } finally {
    await detector.close();
  }
}

interface PoseCliOptions {
  input: string;
  out: string;
  exercise: string;
  model: string;
  fps?: string;
  maxFrames?: string;
}

async function poseCommand(options: PoseCliOptions): Promise<void> {
  const exercise = Exercise.safeParse(options.exercise.replace('-', '_'));
  if (!exercise.success) throw new UsageError(`--exercise must be one of ${EXERCISES.join(', ')}`);
  if (options.model !== 'lite' && options.model !== 'full')
    throw new UsageError('--model must be lite or full');
  const fps = options.fps === undefined ? undefined : Number(options.fps);
  if (fps !== undefined && !(fps > 0 && fps <= 60)) throw new UsageError('--fps must be between 1 and 60');
  const maxFrames = options.maxFrames === undefined ? undefined : Number(options.maxFrames);
  const estimator = await PoseEstimator.start(options.model);
  try {
    const progress = progressPrinter('pose', ' frames');
    const summary = await analyzePose({
      input: options.input,
      out: options.out,
      exercise: exercise.data,
      estimator,
      ...(fps === undefined ? {} : { fps }),
      ...(maxFrames === undefined ? {} : { maxFrames }),
      onProgress: (done) => progress(done, undefined),
    });
    process.stderr.write('\n');
    console.log(
      `${summary.frames} frames (${summary.framesWithPerson} with a person) at ${summary.processedFps} fps: ${summary.count} ${exercise.data} reps. Wrote ${options.out}/landmarks.jsonl, reps.json, feedback.json.`,
    );
  } finally {
    await estimator.close();
  }
}

/** `gymedge vision …`: analyse footage offline (people counting and flow; pose and reps). */
export function registerVisionCommands(program: Command): void {
  const vision = program
    .command('vision')
    .description('Vision on this machine: count people in footage, count exercise reps. No image leaves it.');
  vision
    .command('analyze')
    .description(
      'Count people in a video file: DIR/counts.csv (frame,timeSec,people), DIR/events.jsonl (line crossings, zone enter/exit), DIR/summary.json.',
    )
    .requiredOption('--input <file>', 'video file (mp4, avi, …)')
    .requiredOption('--out <dir>', 'output folder (created)')
    .option(
      '--line <x1,y1,x2,y2>',
      'a counting line, in source pixels or 0-1; crossing it to its right (below a line drawn left to right) is "in"',
    )
    .option('--zones <file>', 'JSON {zones:[{id,polygon:[[x,y],…]}], lines:[{id,from,to}]} in pixels or 0-1')
    .option(
      '--model <file>',
      'detector ONNX file (default: found in $GYMEDGE_MODELS_DIR, models/, ../shared/models)',
    )
    .option('--fps <n>', 'analyse at this frame rate (default: the video’s own)')
    .option('--max-frames <n>', 'stop after this many frames')
    .action((options: AnalyzeCliOptions) => analyzeCommand(options).catch(fail));
  vision
    .command('pose')
    .description(
      'Pose landmarks (MediaPipe PoseLandmarker in headless Chromium) and exercise reps: DIR/landmarks.jsonl, DIR/reps.json, DIR/feedback.json (pt-BR and en).',
    )
    .requiredOption('--input <file>', 'video or image file')
    .requiredOption('--out <dir>', 'output folder (created)')
    .option('--exercise <name>', `one of ${EXERCISES.join(', ')}`, 'squat')
    .option('--model <lite|full>', 'BlazePose landmark model', 'lite')
    .option('--fps <n>', 'analysis rate', '15')
    .option('--max-frames <n>', 'stop after this many frames')
    .action((options: PoseCliOptions) => poseCommand(options).catch(fail));
}
