/**
 * Vision benchmark (`npm run bench -- --only vision`): decode, detection + tracking end to end at 640x480,
 * cameras sustained at 5 fps, memory per camera, pose lite/full in headless Chromium, and counting
 * accuracy against the hand count of vtest.avi; beside ffmpeg's raw decode (measured in the same run)
 * and the published YOLOX and MediaPipe figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../apps/edge/src/lib/logger.ts';
import { analyzeVideo } from '../../apps/edge/src/vision/analyze.ts';
import { testMedia } from '../../apps/edge/src/vision/demo-camera.ts';
import { createYoloxDetector } from '../../apps/edge/src/vision/detector.ts';
import { handCountError, VTEST_HAND_COUNT } from '../../apps/edge/src/vision/hand-count.ts';
import { FrameReader, ffmpegPath } from '../../apps/edge/src/vision/ingest.ts';
import { LivePose } from '../../apps/edge/src/vision/live-pose.ts';
import { PoseEstimator, poseModelPath } from '../../apps/edge/src/vision/pose.ts';
import { analyzePose } from '../../apps/edge/src/vision/pose-analyze.ts';
import { type CameraConfig, VisionService } from '../../apps/edge/src/vision/service.ts';

type Log = (line: string) => void;
const f1 = (n: number) => n.toFixed(1);

async function decodeFps(source: string, frames: number): Promise<number> {
  const reader = new FrameReader({ source, width: 640, height: 640 });
  const t0 = performance.now();
  let n = 0;
  for await (const _frame of reader.frames()) if (++n >= frames) break;
  await reader.stop();
  return (n * 1000) / (performance.now() - t0);
}

async function camerasAt5fps(source: string, count: number, seconds: number) {
  const cameras: CameraConfig[] = Array.from({ length: count }, (_, i) => ({
    id: `cam-${i}`,
    name: `cam ${i}`,
    source,
    fps: 5,
    loop: true,
    zones: [],
    lines: [],
  }));
  const service = new VisionService({
    detector: () => createYoloxDetector({ threads: 2 }),
    sink: { occupancy: () => undefined, event: () => undefined, alert: async () => undefined },
    logger: silentLogger(),
  });
  const rssBefore = process.memoryUsage().rss;
  await service.start(cameras);
  await new Promise((r) => setTimeout(r, 3000)); // warm-up
  const start = service
    .health()
    .cameras.map((c) => ({ analysed: c.framesAnalysed, dropped: c.dropped, in: c.framesIn }));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = service.health().cameras;
  const rss = process.memoryUsage().rss;
  await service.stop();
  const perCamera = end.map((c, i) => ({
    fps: (c.framesAnalysed - (start[i]?.analysed ?? 0)) / seconds,
    dropped: c.dropped - (start[i]?.dropped ?? 0),
    delivered: c.framesIn - (start[i]?.in ?? 0),
  }));
  const minFps = Math.min(...perCamera.map((c) => c.fps));
  const dropped = perCamera.reduce((s, c) => s + c.dropped, 0);
  const delivered = perCamera.reduce((s, c) => s + c.delivered, 0);
  return {
    count,
    minFps,
    dropRatio: delivered === 0 ? 1 : dropped / delivered,
    rssMb: (rss - rssBefore) / 1e6,
  };
}

/** One 5 fps camera with pose on its 3 largest people at `poseFps`: what detection and pose sustain together. */
async function livePose(source: string, poseFps: number, seconds: number) {
  const pose = new LivePose({ model: 'lite', logger: silentLogger() });
  const service = new VisionService({
    detector: () => createYoloxDetector({ threads: 2 }),
    sink: { occupancy: () => undefined, event: () => undefined, alert: async () => undefined },
    logger: silentLogger(),
    pose,
  });
  await service.start([
    {
      id: 'cam',
      name: 'cam',
      source,
      fps: 5,
      loop: true,
      zones: [],
      lines: [],
      pose: { fps: poseFps, maxPeople: 3 },
    },
  ]);
  const ready = Date.now();
  while (service.health().pose.state === 'starting' && Date.now() - ready < 60_000)
    await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 4000)); // warm-up
  const before = service.health();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = service.health();
  await service.stop();
  const cam0 = before.cameras[0];
  const cam1 = after.cameras[0];
  return {
    state: after.pose.state,
    reason: after.pose.reason,
    detectFps: ((cam1?.framesAnalysed ?? 0) - (cam0?.framesAnalysed ?? 0)) / seconds,
    poseFps: ((cam1?.pose?.framesAnalysed ?? 0) - (cam0?.pose?.framesAnalysed ?? 0)) / seconds,
    modelMs: after.pose.modelMs,
    dropped: after.pose.dropped - before.pose.dropped,
  };
}

/** CPU milliseconds ffmpeg spends per decoded 640x640 bgr24 frame (user + system, from /usr/bin/time). */
function ffmpegCpuMsPerFrame(source: string, frames: number): number | undefined {
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%U %S',
      ffmpegPath(),
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      source,
      '-frames:v',
      String(frames),
      '-vf',
      'scale=640:640,format=bgr24',
      '-f',
      'rawvideo',
      '-y',
      '/dev/null',
    ],
    { encoding: 'utf8' },
  );
  const [user, system] = ((result.stderr ?? '').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return user === undefined || system === undefined || Number.isNaN(user + system)
    ? undefined
    : ((user + system) * 1000) / frames;
}

/** ffmpeg RSS for one 5 fps camera decode (the child process each camera runs), in MB. */
function ffmpegRssMb(source: string): number | undefined {
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      ffmpegPath(),
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      source,
      '-frames:v',
      '50',
      '-vf',
      'fps=5,scale=640:640,format=bgr24',
      '-f',
      'rawvideo',
      '-y',
      '/dev/null',
    ],
    { encoding: 'utf8' },
  );
  const kb = Number((result.stderr ?? '').trim().split('\n').at(-1));
  return Number.isFinite(kb) && kb > 0 ? kb / 1000 : undefined;
}

async function poseFigures(model: 'lite' | 'full', clip: string, frames: number, log: Log, inFlight = 2) {
  if (!existsSync(poseModelPath(model))) return undefined;
  log(`pose ${model} (${inFlight} in flight)`);
  const estimator = await PoseEstimator.start(model);
  try {
    const still = readFileSync(testMedia('messi5.jpg') ?? '');
    for (let i = 0; i < 5; i++) await estimator.detect(still);
    const out = mkdtempSync(join(tmpdir(), 'bench-pose-'));
    const summary = await analyzePose({
      input: clip,
      out,
      exercise: 'squat',
      estimator,
      fps: 30,
      maxFrames: frames,
      inFlight,
    });
    rmSync(out, { recursive: true, force: true });
    return { modelMs: summary.modelMs, fps: summary.processedFps, frames: summary.frames };
  } finally {
    await estimator.close();
  }
}

export async function run(opts: { quick: boolean; log: Log }): Promise<string> {
  const vtest = testMedia('vtest.avi');
  if (!vtest) return '## Vision\n\nNot measured: vtest.avi is missing (run `scripts/fetch-test-media.sh`).\n';
  const load = loadavg()[0] ?? 0;
  const scratch = mkdtempSync(join(tmpdir(), 'bench-vision-'));
  try {
    // The 640x480 source of the end-to-end figure.
    const clip = join(scratch, 'vtest-640x480.mp4');
    spawnSync(ffmpegPath(), [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      vtest,
      '-vf',
      'scale=640:480',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '18',
      '-y',
      clip,
    ]);
    const frames = opts.quick ? 150 : 400;
    opts.log('decode');
    const decode = await decodeFps(clip, frames);
    opts.log('detector alone');
    const detector = await createYoloxDetector({ threads: 2 });
    const reader = new FrameReader({ source: clip, width: 640, height: 640 });
    let sample: Buffer | undefined;
    for await (const frame of reader.frames()) {
      sample = frame.bgr;
      break;
    }
    await reader.stop();
    for (let i = 0; i < 5; i++) await detector.detect(sample as Buffer);
    const reps = opts.quick ? 30 : 100;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await detector.detect(sample as Buffer);
    const detectMs = (performance.now() - t0) / reps;
    opts.log('detection + tracking end to end');
    const out = join(scratch, 'analyze');
    // CPU time is what a busy machine cannot steal: Node's (the detector's threads included) per frame.
    // With and without the overlap, alternated (A B A B) so that a change in the machine's load hits both.
    const half = Math.ceil(frames / 2);
    const runs: { overlap: number[]; serial: number[] } = { overlap: [], serial: [] };
    let overlapFrames = 0;
    let overlapCpu = 0;
    for (let round = 0; round < 2; round++) {
      const a = await analyzeVideo({ input: clip, out, detector, maxFrames: half, readAhead: 0 });
      runs.serial.push(a.processedFps);
      const c0 = process.cpuUsage();
      const b = await analyzeVideo({ input: clip, out, detector, maxFrames: half, readAhead: 1 });
      const c = process.cpuUsage(c0);
      overlapCpu += (c.user + c.system) / 1000;
      overlapFrames += b.frames;
      runs.overlap.push(b.processedFps);
    }
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
    const e2e = { processedFps: mean(runs.overlap), frames: overlapFrames };
    const serial = { processedFps: mean(runs.serial) };
    const cpuMsPerFrame = overlapCpu / e2e.frames;
    const decodeCpuMs = ffmpegCpuMsPerFrame(clip, frames);
    opts.log('counting accuracy on the hand-counted frames');
    const full = await analyzeVideo({
      input: vtest,
      out: join(scratch, 'full'),
      detector,
      maxFrames: opts.quick ? 371 : 795,
    });
    await detector.close();
    const counts = readFileSync(join(scratch, 'full', 'counts.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[2]));
    const checked = VTEST_HAND_COUNT.filter((h) => h.frame < full.frames).map((h) => ({
      ...h,
      ours: counts[h.frame] ?? Number.NaN,
      error: handCountError(counts[h.frame] ?? Number.NaN, h),
    }));
    const maxError = Math.max(...checked.map((c) => Math.abs(c.error)));
    const meanError = checked.reduce((s, c) => s + Math.abs(c.error), 0) / checked.length;

    const sustained: Awaited<ReturnType<typeof camerasAt5fps>>[] = [];
    for (const n of opts.quick ? [1, 3, 5] : [1, 2, 3, 5, 8]) {
      opts.log(`${n} camera(s) at 5 fps`);
      sustained.push(await camerasAt5fps(vtest, n, opts.quick ? 10 : 20));
    }
    const ok = sustained.filter((s) => s.minFps >= 4.5 && s.dropRatio < 0.1);
    const best = ok.at(-1)?.count ?? 0;
    const ffmpegMb = ffmpegRssMb(vtest);

    const poseClip = testMedia('Megamind.avi') ?? clip;
    const poseFrames = opts.quick ? 60 : 100;
    const liteA = await poseFigures('lite', poseClip, poseFrames, opts.log, 1);
    const liteB = await poseFigures('lite', poseClip, poseFrames, opts.log, 2);
    const liteC = await poseFigures('lite', poseClip, poseFrames, opts.log, 1);
    const liteD = await poseFigures('lite', poseClip, poseFrames, opts.log, 2);
    const pair = (x: typeof liteA, y: typeof liteA) =>
      x && y
        ? { modelMs: (x.modelMs + y.modelMs) / 2, fps: (x.fps + y.fps) / 2, frames: x.frames + y.frames }
        : undefined;
    const liteSerial = pair(liteA, liteC);
    const lite = pair(liteB, liteD);
    const fullPose = await poseFigures('full', poseClip, opts.quick ? 60 : 150, opts.log, 2);
    opts.log('live pose on a camera');
    const live = existsSync(poseModelPath('lite'))
      ? await livePose(vtest, 5, opts.quick ? 10 : 20)
      : undefined;
    const loadEnd = loadavg()[0] ?? 0;
    const perCameraMb =
      sustained.length > 1
        ? ((sustained.at(-1)?.rssMb ?? 0) - (sustained[0]?.rssMb ?? 0)) / ((sustained.at(-1)?.count ?? 1) - 1)
        : undefined;

    const lines = [
      '## Vision',
      '',
      `Measured on vtest.avi (768x576, 10 fps; a 640x480 re-encode for the end-to-end rows), 2 cores shared with the other engineers' work: load average ${f1(load)} when the run started, so these are floors, not ceilings.`,
      '',
      '| what | measured here | peer / published | ratio |',
      '|---|---|---|---|',
      `| decode only (ffmpeg → 640x640 bgr24 pipe) | ${f1(decode)} frames/s | — (the peer of the next row) | — |`,
      `| detection + tracking end to end at 640x480, decode included, next frame read while one is detected | ${f1(e2e.processedFps)} frames/s | decode alone ${f1(decode)} frames/s | ${(e2e.processedFps / decode).toFixed(3)}x |`,
      `| the same, each frame read only after the previous one was analysed (no overlap) | ${f1(serial.processedFps)} frames/s | with overlap ${f1(e2e.processedFps)} frames/s | ${(serial.processedFps / e2e.processedFps).toFixed(2)}x (runs alternated: ${runs.serial.map(f1).join(', ')} without, ${runs.overlap.map(f1).join(', ')} with) |`,
      `| YOLOX-nano 640x640, onnxruntime-node, 2 threads | ${f1(detectMs)} ms/frame (${f1(1000 / detectMs)} fps) | YOLOX README: Nano 0.91 M params, 1.08 GFLOPs at 416 (about 2.5 GFLOPs at 640); no CPU latency published | — |`,
      `| pose lite (PoseLandmarker in headless Chromium, model time) | ${lite ? `${f1(lite.modelMs)} ms/frame` : 'not measured (no .task bundle)'} | MediaPipe: 20 ms (Pixel 3, TFLite GPU), 25 ms (MacBook Pro 2017) | ${lite ? `${f1(lite.modelMs / 25)}x the MacBook figure` : '—'} |`,
      `| pose lite end to end (decode, JPEG to the page, landmarks back), next frame sent while one is analysed | ${lite ? `${f1(lite.fps)} frames/s` : '—'} | aim 25 frames/s | — |`,
      `| pose lite end to end, one frame at a time (no overlap) | ${liteSerial ? `${f1(liteSerial.fps)} frames/s` : '—'} | with overlap ${lite ? f1(lite.fps) : '—'} | ${liteSerial && lite ? `${(liteSerial.fps / lite.fps).toFixed(2)}x (runs alternated: ${[liteA, liteC].map((r) => f1(r?.fps ?? 0)).join(', ')} without, ${[liteB, liteD].map((r) => f1(r?.fps ?? 0)).join(', ')} with)` : '—'} |`,
      `| pose full (model time) | ${fullPose ? `${f1(fullPose.modelMs)} ms/frame` : 'not measured'} | MediaPipe: 25 ms (Pixel 3 GPU), 27 ms (MacBook Pro 2017) | ${fullPose ? `${f1(fullPose.modelMs / 27)}x` : '—'} |`,
      `| pose full end to end (overlapped) | ${fullPose ? `${f1(fullPose.fps)} frames/s` : '—'} | — | — |`,
      `| live camera at 5 fps with pose asked at 5 fps on its 3 largest people (vtest.avi, crops) | ${live ? (live.state === 'ok' ? `detection ${f1(live.detectFps)} frames/s, pose ${f1(live.poseFps)} frames/s (${f1(live.modelMs)} ms model time per frame of 3 crops, ${live.dropped} pose frames skipped while busy)` : `pose ${live.state}: ${live.reason ?? ''}`) : 'not measured (no .task bundle)'} | — | — |`,
      '',
      `Load average (1 min) ${f1(load)} when the run started and ${f1(loadEnd)} when it ended: other engineers' builds and tests were running on the same 2 cores.`,
      '',
      `CPU cost (it grows less with load than wall time does): detection + tracking ${f1(cpuMsPerFrame)} CPU-ms per frame in Node${decodeCpuMs === undefined ? '' : ` + ${f1(decodeCpuMs)} CPU-ms for ffmpeg's decode`}. Two free cores (2,000 CPU-ms/s) would therefore sustain about **${Math.floor(2000 / ((cpuMsPerFrame + (decodeCpuMs ?? 0)) * 5))} cameras at 5 fps**, or ${f1(2000 / (cpuMsPerFrame + (decodeCpuMs ?? 0)))} frames/s for one camera (aims: 5 cameras, 25 frames/s). The wall-clock rows above and below are what this shared machine gave during the run.`,
      '',
      '| cameras at 5 fps (one shared detector) | slowest camera | frames dropped | Node RSS growth |',
      '|---|---|---|---|',
      ...sustained.map(
        (s) => `| ${s.count} | ${f1(s.minFps)} fps | ${f1(s.dropRatio * 100)}% | ${f1(s.rssMb)} MB |`,
      ),
      '',
      `Sustained (every camera ≥ 4.5 fps analysed, < 10% dropped): **${best} camera(s)** on this run (aim: 5).${perCameraMb === undefined ? '' : perCameraMb > 1 ? ` Memory per extra camera: about ${f1(perCameraMb)} MB in Node` : ' Memory per extra camera in Node: below the garbage collector’s noise (the detector, ~40 MB, is shared)'}${ffmpegMb === undefined ? '' : `, plus ${f1(ffmpegMb)} MB for its ffmpeg decoder`}.`,
      '',
      `Counting accuracy on the hand-counted frames of vtest.avi (docs/vision.md): max |error| ${maxError}, mean |error| ${f1(meanError)} person(s) over ${checked.length} frames (aim: within 1 on every frame).`,
      '',
      '| frame | hand count | at the frame edge | counted | error |',
      '|---|---|---|---|---|',
      ...checked.map((c) => `| ${c.frame} | ${c.people} | ${c.edge} | ${c.ours} | ${c.error} |`),
      '',
    ];
    return lines.join('\n');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
