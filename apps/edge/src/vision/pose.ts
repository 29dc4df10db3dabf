import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import type { Landmark } from './exercises.ts';
import { ffmpegPath, IngestError, isLiveSource, JpegSplitter } from './ingest.ts';
import { REPO_ROOT } from './models.ts';
import type { Box } from './types.ts';

/** Which BlazePose landmark model to run: lite (fast) or full (more accurate). */
export type PoseModel = 'lite' | 'full';

/** The bundle built by scripts/build-pose-models.mjs, or why it is missing. */
export function poseModelPath(model: PoseModel, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.GYMEDGE_MODELS_DIR ?? join(REPO_ROOT, 'models');
  return join(dir, `pose_landmarker_${model}.task`);
}

/** Minimal structural types of the playwright-core objects we use (it is loaded lazily, by name). */
interface PwPage {
  goto(url: string): Promise<unknown>;
  evaluate<R>(fn: string): Promise<R>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  on(event: 'console', listener: (message: { type(): string; text(): string }) => void): void;
}
interface PwBrowser {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}
interface PwChromium {
  launch(options: { executablePath: string; args: string[]; headless: boolean }): Promise<PwBrowser>;
}

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PAGE = `<!doctype html><meta charset="utf-8"><title>pose</title><script type="module">
import { FilesetResolver, PoseLandmarker } from '/tasks/vision_bundle.mjs';
const fileset = await FilesetResolver.forVisionTasks('/tasks/wasm');
const options = (runningMode, numPoses) => ({
  baseOptions: { modelAssetPath: '/model.task', delegate: 'CPU' },
  runningMode,
  numPoses,
});
// VIDEO mode tracks one person between frames: one landmarker for whole frames of one camera, and one per
// tracked person for crops (a crop follows its person, so tracking holds and BlazePose's detector is
// skipped); IMAGE mode (detector on every crop) for crops without a track id.
let video;
let image;
let last = 0;
const slots = new Map();
const MAX_SLOTS = 3;
const slotFor = async (id) => {
  let slot = slots.get(id);
  if (slot) return slot;
  if (slots.size >= MAX_SLOTS) {
    let oldest;
    for (const entry of slots) if (!oldest || entry[1].used < oldest[1].used) oldest = entry;
    slots.delete(oldest[0]);
    slot = oldest[1];
  } else if (slots.size === 0 && video) {
    // Each landmarker is a WASM graph of its own (well over 100 MB): the first slot reuses the one loaded
    // at start (live cameras send crops, never whole frames).
    slot = { landmarker: video, last, used: 0 };
  } else {
    slot = { landmarker: await PoseLandmarker.createFromOptions(fileset, options('VIDEO', 1)), last: 0, used: 0 };
  }
  slots.set(id, slot);
  return slot;
};
let chain = Promise.resolve();
const pack = (result) => result.landmarks.map((pose) => pose.map((p) => [p.x, p.y, p.z, p.visibility ?? 0]));
// The JPEG of frame n+1 is fetched and decoded while frame n is being analysed; analyses run in call order.
window.detect = (url, crops) => {
  const decoded = fetch(url).then((r) => r.blob()).then((blob) => createImageBitmap(blob));
  const run = chain.then(async () => {
    const bitmap = await decoded;
    const t0 = performance.now();
    try {
      if (!crops) {
        video ??= await PoseLandmarker.createFromOptions(fileset, options('VIDEO', 1));
        const ts = Math.max(last + 1, Math.round(performance.now()));
        last = ts;
        const poses = pack(video.detectForVideo(bitmap, ts));
        return { ms: performance.now() - t0, poses };
      }
      const people = [];
      for (const [x, y, w, h, id] of crops) {
        const sx = Math.max(0, Math.round(x * bitmap.width));
        const sy = Math.max(0, Math.round(y * bitmap.height));
        const sw = Math.max(8, Math.min(bitmap.width - sx, Math.round(w * bitmap.width)));
        const sh = Math.max(8, Math.min(bitmap.height - sy, Math.round(h * bitmap.height)));
        const crop = await createImageBitmap(bitmap, sx, sy, sw, sh);
        let result;
        if (id === undefined || id === null) {
          image ??= await PoseLandmarker.createFromOptions(fileset, options('IMAGE', 1));
          result = image.detect(crop);
        } else {
          const slot = await slotFor(id);
          const ts = Math.max(slot.last + 1, Math.round(performance.now()));
          slot.last = ts;
          slot.used = ts;
          result = slot.landmarker.detectForVideo(crop, ts);
        }
        const pose = pack(result)[0];
        crop.close();
        // Back to whole-frame coordinates.
        people.push(pose ? pose.map(([px, py, pz, v]) => [(sx + px * sw) / bitmap.width, (sy + py * sh) / bitmap.height, pz, v]) : null);
      }
      return { ms: performance.now() - t0, poses: [], people };
    } finally {
      bitmap.close();
    }
  });
  chain = run.catch(() => undefined);
  return run;
};
// Load the model once before saying ready (a bad bundle fails here, not on the first frame).
video = await PoseLandmarker.createFromOptions(fileset, options('VIDEO', 1));
window.ready = true;
</script>`;

/**
 * MediaPipe PoseLandmarker (tasks-vision 0.10.35) in headless Chromium: it needs WebGL2 even on the CPU
 * delegate, so it cannot run in plain Node. Frames go to the page as JPEG over a loopback HTTP server;
 * landmarks come back as JSON. Nothing leaves the machine (the page makes no outside requests).
 */
export class PoseEstimator {
  private constructor(
    private readonly browser: PwBrowser,
    private readonly page: PwPage,
    private readonly server: Server,
    private readonly frames: Map<string, Buffer>,
    private readonly base: string,
  ) {}

  private seq = 0;
  private closed = false;

  static async start(
    model: PoseModel = 'lite',
    options: { readonly chromium?: string } = {},
  ): Promise<PoseEstimator> {
    const task = poseModelPath(model);
    if (!existsSync(task)) {
      throw new IngestError(
        `pose model ${task} not found: run \`node scripts/build-pose-models.mjs\` (npm install does)`,
      );
    }
    const require = createRequire(import.meta.url);
    const tasksDir = dirname(require.resolve('@mediapipe/tasks-vision'));
    const frames = new Map<string, Buffer>();
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const send = (type: string, body: Buffer | string) => {
        response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        response.end(body);
      };
      if (url.pathname === '/') return send('text/html', PAGE);
      if (url.pathname === '/model.task') return send('application/octet-stream', readFileSync(task));
      if (url.pathname.startsWith('/frame/')) {
        const frame = frames.get(url.pathname);
        frames.delete(url.pathname);
        if (frame) return send('image/jpeg', frame);
      }
      if (url.pathname.startsWith('/tasks/')) {
        const file = normalize(join(tasksDir, url.pathname.slice('/tasks/'.length)));
        if (file.startsWith(tasksDir) && existsSync(file)) {
          const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
          return send(type, readFileSync(file));
        }
      }
      response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const moduleName = 'playwright-core';
    const { chromium } = (await import(moduleName)) as { chromium: PwChromium };
    let browser: PwBrowser;
    try {
      browser = await chromium.launch({
        executablePath: options.chromium ?? process.env.GYMEDGE_CHROMIUM ?? '/usr/bin/chromium',
        args: CHROMIUM_FLAGS,
        headless: true,
      });
    } catch (error) {
      server.close();
      throw new IngestError(
        `Chromium could not start for pose estimation: ${(error as Error).message.split('\n')[0]}`,
      );
    }
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForFunction('window.ready === true', undefined, { timeout: 60_000 });
    return new PoseEstimator(browser, page, server, frames, base);
  }

  /**
   * Landmarks of the (one) person in a JPEG frame, or undefined when nobody is found; and the model time.
   * Calls may overlap: the page fetches and decodes the next frame while it analyses this one.
   */
  async detect(jpeg: Buffer): Promise<{ landmarks?: Landmark[]; ms: number }> {
    const result = await this.call(jpeg, undefined);
    const pose = result.poses[0];
    return { ms: result.ms, ...(pose ? { landmarks: toLandmarks(pose) } : {}) };
  }

  /**
   * Landmarks of each person box (normalised 0-1) in a frame, in whole-frame coordinates: the page
   * crops each box and runs the landmarker on the crop (BlazePose's own detector misses people under
   * ~150 px tall; on a crop around a person-detector box it finds them). With `trackIds`, each tracked
   * person keeps a VIDEO-mode landmarker (up to 3) that tracks them from crop to crop.
   */
  async detectPeople(
    jpeg: Buffer,
    boxes: readonly Box[],
    trackIds?: readonly number[],
  ): Promise<{ people: (Landmark[] | undefined)[]; ms: number }> {
    if (boxes.length === 0) return { people: [], ms: 0 };
    const result = await this.call(
      jpeg,
      boxes.map((b, i) => {
        const id = trackIds?.[i];
        return id === undefined ? [b.x, b.y, b.w, b.h] : [b.x, b.y, b.w, b.h, id];
      }),
    );
    return {
      ms: result.ms,
      people: (result.people ?? []).map((pose) => (pose ? toLandmarks(pose) : undefined)),
    };
  }

  private async call(
    jpeg: Buffer,
    crops: number[][] | undefined,
  ): Promise<{ ms: number; poses: number[][][]; people?: (number[][] | null)[] }> {
    if (this.closed) throw new IngestError('pose estimator is closed');
    const path = `/frame/${this.seq++}.jpg`;
    this.frames.set(path, jpeg);
    try {
      return await this.page.evaluate<{ ms: number; poses: number[][][]; people?: (number[][] | null)[] }>(
        `window.detect(${JSON.stringify(`${this.base}${path}`)}, ${crops ? JSON.stringify(crops) : 'undefined'})`,
      );
    } finally {
      this.frames.delete(path);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.browser.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function toLandmarks(pose: readonly number[][]): Landmark[] {
  return pose.map(([x, y, z, visibility]) => ({
    x: x ?? 0,
    y: y ?? 0,
    z: z ?? 0,
    visibility: visibility ?? 0,
  }));
}

/** JPEG frames of a video (or a still image) at a capped rate, for pose estimation. */
export async function* jpegFrames(
  source: string,
  options: { readonly width?: number; readonly fps?: number; readonly maxFrames?: number } = {},
): AsyncGenerator<{ index: number; jpeg: Buffer }> {
  if (!isLiveSource(source) && !existsSync(source)) throw new IngestError(`video file not found: ${source}`);
  const filters = [`scale=${options.width ?? 640}:-2`];
  if (options.fps !== undefined) filters.unshift(`fps=${options.fps}`);
  const child = spawn(
    ffmpegPath(),
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-i',
      source,
      '-an',
      '-vf',
      filters.join(','),
      '-q:v',
      '3',
      '-f',
      'mjpeg',
      'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => {
    stderr = (stderr + t).slice(-2000);
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const splitter = new JpegSplitter();
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const jpeg of splitter.push(chunk)) {
        yield { index, jpeg };
        index += 1;
        if (options.maxFrames !== undefined && index >= options.maxFrames) return;
      }
    }
    const code = await closed;
    if (index === 0)
      throw new IngestError(
        `no frames could be read from ${source}: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`,
      );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
