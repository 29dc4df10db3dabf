import { deterministicDocId } from '@gymedge/crdt-schema';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { footOf, insidePolygon } from './counting.ts';
import type { PersonDetector } from './detector.ts';
import { type Exercise, type FeedbackCode, type Landmark, RepCounter } from './exercises.ts';
import { FrameReader, IngestError, isLiveSource, jpegSize, redact } from './ingest.ts';
import type { LivePose, PoseStatus } from './live-pose.ts';
import { PeoplePipeline } from './pipeline.ts';
import { type SafetyFinding, SafetyRules } from './rules.ts';
import type { Box, FrameResult, LineSpec, VisionEvent, ZoneSpec } from './types.ts';

/** One camera as the vision service runs it. Coordinates are normalised (0-1). */
export interface CameraConfig {
  readonly id: string;
  readonly name: string;
  /** File path or rtsp/http URL (credentials, if any, are added from the local secret store, never synced). */
  readonly source: string;
  /** Frame-rate cap for analysis. */
  readonly fps: number;
  /** Loop a file source (the demo camera). */
  readonly loop?: boolean;
  readonly zones: readonly ZoneSpec[];
  readonly lines: readonly LineSpec[];
  /**
   * Pose on this camera's frames (skeletons, reps in exercise zones, weights dropped, lying still): at most
   * `fps` frames a second, on the `maxPeople` largest people (default 3). Absent: no pose.
   */
  readonly pose?: { readonly fps: number; readonly maxPeople?: number };
}

export type CameraState = 'starting' | 'running' | 'reconnecting' | 'stopped';

/** Health of one camera, for /health, /metrics and the camera screen. */
export interface CameraHealth {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly state: CameraState;
  /** Whether people are being counted (false when the detector model is missing). */
  readonly counting: boolean;
  /** Frames analysed per second (last few seconds). */
  readonly fps: number;
  readonly framesIn: number;
  readonly framesAnalysed: number;
  /** Frames skipped because analysis was still busy with an earlier one (never queued). */
  readonly dropped: number;
  readonly reconnects: number;
  readonly lastError?: string;
  readonly lastFrameAt?: string;
  /** People seen on the last analysed frame; absent when not counting. */
  readonly people?: number;
  /** Pose on this camera: frames a second analysed, people with a skeleton on the last one. */
  readonly pose?: { readonly fps: number; readonly people: number; readonly framesAnalysed: number };
  /** Reps counted per exercise zone (pose cameras), with the last rep's feedback codes. */
  readonly reps?: Readonly<Record<string, ZoneReps>>;
}

/** Reps counted in one exercise zone since the camera (or its layout) started. */
export interface ZoneReps {
  readonly exercise: Exercise;
  readonly count: number;
  /** Feedback codes of the last finished rep (empty: good rep). */
  readonly feedback: readonly FeedbackCode[];
  /** Whether someone in the zone is in frame for the exercise right now. */
  readonly active: boolean;
}

/** Where the vision service puts what it learns. Implementations write the unit's append-only tables. */
export interface VisionSink {
  /** One occupancy sample (mean people over the sampling window) of a zone or a whole camera view. */
  occupancy(zoneId: string, at: string, people: number): void;
  /** A line crossing or zone enter/exit, with ids and directions only: never an image. */
  event(kind: string, at: string, payload: Readonly<Record<string, string | number>>): void;
  /** A safety finding, with the JPEG of the moment (faces are blurred by the sink before it is kept). */
  alert(
    finding: SafetyFinding,
    camera: CameraConfig,
    frame: { jpeg: Buffer; people: readonly FrameResult['tracks'][number][] } | undefined,
  ): Promise<void>;
}

/** Whether the detector loaded, and if not, why (shown in /health and on the camera screen). */
export type ModelStatus =
  | { readonly ok: true; readonly inputWidth: number; readonly inputHeight: number }
  | { readonly ok: false; readonly reason: string };

export interface VisionHealth {
  /**
   * `no_model`: cameras run (previews) but nobody is counted; `degraded`: some camera is not running, or a
   * camera asks for pose and pose is unavailable.
   */
  readonly state: 'ok' | 'degraded' | 'no_model' | 'idle';
  readonly model: ModelStatus;
  /** Pose for live cameras; `wanted` when some camera asks for it. */
  readonly pose: PoseStatus & { readonly wanted: boolean };
  readonly cameras: readonly CameraHealth[];
}

export interface VisionServiceOptions {
  /** Creates the person detector; a rejection (missing model, wrong checksum) leaves vision in `no_model`. */
  readonly detector: () => Promise<PersonDetector>;
  readonly sink: VisionSink;
  readonly logger: Logger;
  /** Seconds per occupancy sample; default 60. */
  readonly sampleEverySec?: number;
  /** Width of the preview JPEGs for the camera screen; default 640. */
  readonly previewWidth?: number;
  /** Reconnect back-off bounds; default 1 s doubling to 30 s. */
  readonly backoffMs?: { readonly min: number; readonly max: number };
  /** Pose for cameras that ask for it (one estimator for all); absent: no camera gets pose. */
  readonly pose?: LivePose;
}

/** Runs one inference at a time across all cameras, in arrival order (bounded: one pending frame per camera). */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** What the screen draws over a frame. */
export interface Overlay {
  readonly frame: number;
  readonly at: string;
  readonly people: number;
  readonly tracks: readonly { id: number; x: number; y: number; w: number; h: number; confirmed: boolean }[];
  readonly zones: Readonly<Record<string, number>>;
  /** Skeletons (pose cameras): per tracked person, 33 landmarks as [x, y, visibility], normalised. */
  readonly poses?: readonly { trackId: number; landmarks: readonly (readonly [number, number, number])[] }[];
  /** Reps per exercise zone (pose cameras). */
  readonly reps?: Readonly<Record<string, ZoneReps>>;
}

/** Called with every frame a camera shows (the analysed one with its overlay, or a preview without). */
export type FrameListener = (jpeg: Buffer, overlay: Overlay | undefined) => void;

/** Per tracked person on a pose camera: one rep counter per exercise zone they stood in. */
interface PoseTrack {
  readonly counters: Map<string, RepCounter>;
  seenAt: number;
}

/** A person box widened into a square crop (in pixels of a width x height frame), normalised, clipped. */
export function poseCrop(
  box: { x: number; y: number; w: number; h: number },
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } {
  const side = Math.max(box.w * width, box.h * height) * 1.25;
  const cx = (box.x + box.w / 2) * width;
  const cy = (box.y + box.h / 2) * height;
  const x0 = Math.max(0, cx - side / 2);
  const y0 = Math.max(0, cy - side / 2);
  const x1 = Math.min(width, cx + side / 2);
  const y1 = Math.min(height, cy + side / 2);
  return { x: x0 / width, y: y0 / height, w: (x1 - x0) / width, h: (y1 - y0) / height };
}

/** One camera: an ffmpeg decode that reconnects, a one-frame slot, and the counting pipeline. */
class CameraWorker {
  state: CameraState = 'starting';
  framesIn = 0;
  framesAnalysed = 0;
  dropped = 0;
  reconnects = 0;
  lastError: string | undefined;
  lastFrameAt: string | undefined;
  latestJpeg: Buffer | undefined;
  latestOverlay: Overlay | undefined;
  private pending: import('./ingest.ts').Frame | undefined;
  private busy = false;
  private stopped = false;
  private reader: FrameReader | undefined;
  private pipeline: PeoplePipeline | undefined;
  private safety: SafetyRules;
  private fpsWindow: number[] = [];
  private jpegs = new Map<number, Buffer>();
  private jpegCount = 0;
  private lastReceivedJpeg: Buffer | undefined;
  private sampleStarted = Date.now();
  private sampleSums = new Map<string, { sum: number; n: number }>();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  readonly listeners = new Set<FrameListener>();
  private lastPoseAt = Number.NEGATIVE_INFINITY;
  private latestPoses: { at: number; poses: NonNullable<Overlay['poses']> } | undefined;
  /** The last landmarks of each tracked person, relative to the box they were found in. */
  private skeletons = new Map<number, { at: number; box: Box; landmarks: readonly Landmark[] }>();
  private poseWindow: number[] = [];
  private poseFrames = 0;
  private poseTracks = new Map<number, PoseTrack>();
  private zoneReps = new Map<string, ZoneReps>();

  constructor(
    public config: CameraConfig,
    private readonly service: VisionService,
  ) {
    this.safety = new SafetyRules(config.zones);
    this.resetPipeline();
  }

  resetPipeline(): void {
    const detector = this.service.detectorInstance;
    this.pipeline = detector
      ? new PeoplePipeline(detector, { zones: this.config.zones, lines: this.config.lines })
      : undefined;
    this.safety = new SafetyRules(this.config.zones);
    this.poseTracks = new Map();
    this.skeletons = new Map();
    this.zoneReps = new Map(
      this.config.zones.flatMap((z) =>
        z.exercise ? [[z.id, { exercise: z.exercise, count: 0, feedback: [], active: false }] as const] : [],
      ),
    );
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.reader?.stop();
    await this.loop;
  }

  health(): CameraHealth {
    const now = Date.now();
    this.fpsWindow = this.fpsWindow.filter((t) => now - t < 5000);
    const span = this.fpsWindow.length > 1 ? (now - (this.fpsWindow[0] ?? now)) / 1000 : 0;
    return {
      id: this.config.id,
      name: this.config.name,
      source: redact(this.config.source),
      state: this.state,
      counting: this.pipeline !== undefined,
      fps: span > 0 ? Math.round(((this.fpsWindow.length - 1) / span) * 10) / 10 : 0,
      framesIn: this.framesIn,
      framesAnalysed: this.framesAnalysed,
      dropped: this.dropped,
      reconnects: this.reconnects,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.lastFrameAt === undefined ? {} : { lastFrameAt: this.lastFrameAt }),
      ...(this.pipeline && this.latestOverlay ? { people: this.latestOverlay.people } : {}),
      ...(this.config.pose ? { pose: this.poseHealth(now) } : {}),
      ...(this.zoneReps.size > 0 ? { reps: Object.fromEntries(this.zoneReps) } : {}),
    };
  }

  private poseHealth(now: number): NonNullable<CameraHealth['pose']> {
    this.poseWindow = this.poseWindow.filter((t) => now - t < 5000);
    const span = this.poseWindow.length > 1 ? (now - (this.poseWindow[0] ?? now)) / 1000 : 0;
    const fresh = this.latestPoses !== undefined && now - this.latestPoses.at < 3000;
    return {
      fps: span > 0 ? Math.round(((this.poseWindow.length - 1) / span) * 10) / 10 : 0,
      people: fresh ? (this.latestPoses?.poses.length ?? 0) : 0,
      framesAnalysed: this.poseFrames,
    };
  }

  private emit(jpeg: Buffer, overlay: Overlay | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(jpeg, overlay);
      } catch (error) {
        this.service.logger.error({ err: error, camera: this.config.id }, 'frame listener failed');
      }
    }
  }

  private async run(): Promise<void> {
    const { min, max } = this.service.backoff;
    let backoff = min;
    while (!this.stopped) {
      const startedAt = Date.now();
      try {
        this.state = this.reconnects > 0 ? 'reconnecting' : 'starting';
        this.jpegs.clear();
        this.jpegCount = 0;
        this.reader = new FrameReader(
          {
            source: this.config.source,
            width: this.service.inputSize.width,
            height: this.service.inputSize.height,
            fps: this.config.fps,
            realtime: !isLiveSource(this.config.source),
            loop: this.config.loop ?? false,
            preview: { width: this.service.previewWidth },
          },
          (jpeg) => this.onJpeg(jpeg),
        );
        for await (const frame of this.reader.frames()) {
          if (this.stopped) break;
          this.framesIn += 1;
          this.state = 'running';
          this.lastFrameAt = new Date().toISOString();
          if (this.pending !== undefined) this.dropped += 1;
          this.pending = frame;
          void this.pump();
        }
        if (!this.stopped) throw new IngestError(`${redact(this.config.source)} ended`);
      } catch (error) {
        if (this.stopped) break;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.service.logger.warn(
          { camera: this.config.id, err: this.lastError, backoffMs: backoff },
          'camera stopped; reconnecting',
        );
      } finally {
        await this.reader?.stop();
      }
      if (this.stopped) break;
      this.state = 'reconnecting';
      this.reconnects += 1;
      if (Date.now() - startedAt > 30_000) backoff = min;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      backoff = Math.min(max, backoff * 2);
    }
    this.state = 'stopped';
  }

  private onJpeg(jpeg: Buffer): void {
    this.jpegs.set(this.jpegCount, jpeg);
    this.jpegs.delete(this.jpegCount - 4);
    this.jpegCount += 1;
    this.lastReceivedJpeg = jpeg;
    // Without a detector the screen still shows live frames (with "not counting" on them).
    if (this.pipeline === undefined) {
      this.latestJpeg = jpeg;
      this.emit(jpeg, undefined);
    }
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.pending !== undefined && !this.stopped) {
        const pipeline = this.pipeline;
        const frame = this.pending;
        this.pending = undefined;
        if (pipeline === undefined) continue;
        const result = await this.service.queue.run(() => pipeline.process(frame));
        this.framesAnalysed += 1;
        this.fpsWindow.push(Date.now());
        if (this.fpsWindow.length > 200) this.fpsWindow.shift();
        const at = new Date().toISOString();
        const jpeg = this.jpegs.get(frame.index) ?? this.lastReceivedJpeg;
        this.latestJpeg = jpeg;
        const poses = this.config.pose ? this.posesFor(result.tracks) : undefined;
        this.latestOverlay = {
          frame: result.frame,
          at,
          people: result.people,
          tracks: result.tracks
            .filter((t) => t.missed === 0)
            .map((t) => ({ id: t.id, x: t.x, y: t.y, w: t.w, h: t.h, confirmed: t.confirmed })),
          zones: result.zones,
          ...(poses ? { poses } : {}),
          ...(this.zoneReps.size > 0 ? { reps: Object.fromEntries(this.zoneReps) } : {}),
        };
        if (jpeg) this.emit(jpeg, this.latestOverlay);
        this.record(result, at);
        if (jpeg) this.maybePose(jpeg, result);
        const findings = this.safety.update(result.tracks, result.timeSec);
        for (const finding of findings) {
          const people = result.tracks.filter((t) => t.missed === 0);
          await this.service.sink
            .alert(finding, this.config, jpeg ? { jpeg, people } : undefined)
            .catch((error: unknown) =>
              this.service.logger.error({ err: error, camera: this.config.id }, 'could not raise alert'),
            );
        }
      }
    } catch (error) {
      this.lastError = `analysis failed: ${error instanceof Error ? error.message : String(error)}`;
      this.service.logger.error({ camera: this.config.id, err: this.lastError }, 'frame analysis failed');
    } finally {
      this.busy = false;
    }
  }

  /**
   * Skeletons for the overlay: each visible person's last landmarks moved onto their box of this frame
   * (pose runs slower than detection, so landmarks found a moment ago are drawn where the person is now).
   */
  private posesFor(tracks: FrameResult['tracks']): NonNullable<Overlay['poses']> {
    const now = Date.now();
    const poses: NonNullable<Overlay['poses']>[number][] = [];
    for (const [id, skeleton] of this.skeletons) if (now - skeleton.at > 3000) this.skeletons.delete(id);
    for (const track of tracks) {
      if (track.missed > 0) continue;
      const skeleton = this.skeletons.get(track.id);
      if (skeleton === undefined) continue;
      const { box } = skeleton;
      poses.push({
        trackId: track.id,
        landmarks: skeleton.landmarks.map(
          (l) =>
            [
              r3(track.x + ((l.x - box.x) / box.w) * track.w),
              r3(track.y + ((l.y - box.y) / box.h) * track.h),
              r3(l.visibility ?? 0),
            ] as const,
        ),
      });
    }
    return poses;
  }

  /** Hands the frame to pose when this camera asks for it, its rate allows, and pose is free (never waits). */
  private maybePose(jpeg: Buffer, result: FrameResult): void {
    const pose = this.config.pose;
    const live = this.service.pose;
    if (pose === undefined || live === undefined) return;
    if (result.timeSec < this.lastPoseAt) this.lastPoseAt = Number.NEGATIVE_INFINITY; // stream restarted
    if (result.timeSec - this.lastPoseAt < 1 / pose.fps - 1e-6) return;
    const people = result.tracks
      .filter((t) => t.confirmed && t.missed === 0)
      .sort((a, b) => b.w * b.h - a.w * a.h)
      .slice(0, pose.maxPeople ?? 3);
    if (people.length === 0) {
      this.latestPoses = { at: Date.now(), poses: [] };
      return;
    }
    const { width, height } = jpegSize(jpeg);
    const job = live.offer(
      jpeg,
      people.map((p) => poseCrop(p, width, height)),
      people.map((p) => p.id),
    );
    if (job === undefined) return;
    this.lastPoseAt = result.timeSec;
    const pipeline = this.pipeline;
    void job
      .then((landmarks) => {
        // A layout change meanwhile restarted the counting: these landmarks belong to the old one.
        if (pipeline === this.pipeline && !this.stopped)
          return this.onPose(people, landmarks, result.timeSec, jpeg);
      })
      .catch((error: unknown) =>
        this.service.logger.error({ err: error, camera: this.config.id }, 'pose result failed'),
      );
  }

  private async onPose(
    people: readonly FrameResult['tracks'][number][],
    landmarks: readonly (Landmark[] | undefined)[],
    timeSec: number,
    jpeg: Buffer,
  ): Promise<void> {
    const now = Date.now();
    this.poseFrames += 1;
    this.poseWindow.push(now);
    if (this.poseWindow.length > 200) this.poseWindow.shift();
    const poses: NonNullable<Overlay['poses']>[number][] = [];
    const active = new Set<string>();
    for (const [i, track] of people.entries()) {
      const lm = landmarks[i];
      if (lm === undefined) continue;
      poses.push({
        trackId: track.id,
        landmarks: lm.map((l) => [r3(l.x), r3(l.y), r3(l.visibility ?? 0)] as const),
      });
      this.skeletons.set(track.id, {
        at: now,
        box: { x: track.x, y: track.y, w: Math.max(1e-3, track.w), h: Math.max(1e-3, track.h) },
        landmarks: lm,
      });
      const state = this.poseTracks.get(track.id) ?? { counters: new Map(), seenAt: now };
      state.seenAt = now;
      this.poseTracks.set(track.id, state);
      const foot = footOf(track);
      for (const zone of this.config.zones) {
        if (zone.exercise === undefined || !insidePolygon(foot, zone.polygon)) continue;
        let counter = state.counters.get(zone.id);
        if (counter === undefined) {
          counter = new RepCounter(zone.exercise);
          state.counters.set(zone.id, counter);
        }
        const rep = counter.update(lm, timeSec);
        if (counter.inFrame(lm)) active.add(zone.id);
        const before = this.zoneReps.get(zone.id) ?? {
          exercise: zone.exercise,
          count: 0,
          feedback: [],
          active: false,
        };
        if (rep) {
          this.zoneReps.set(zone.id, {
            ...before,
            count: before.count + (rep.counted ? 1 : 0),
            feedback: rep.feedback,
          });
          this.service.sink.event('vision.rep', new Date().toISOString(), {
            cameraId: this.config.id,
            zoneId: zone.id,
            exercise: zone.exercise,
            trackId: track.id,
            counted: rep.counted ? 1 : 0,
            feedback: rep.feedback.join(','),
          });
        }
      }
      const findings = this.safety.updatePose(track, lm, timeSec);
      for (const finding of findings) {
        await this.service.sink
          .alert(finding, this.config, { jpeg, people })
          .catch((error: unknown) =>
            this.service.logger.error({ err: error, camera: this.config.id }, 'could not raise alert'),
          );
      }
    }
    for (const [id, reps] of this.zoneReps) this.zoneReps.set(id, { ...reps, active: active.has(id) });
    for (const [id, state] of this.poseTracks) if (now - state.seenAt > 30_000) this.poseTracks.delete(id);
    this.latestPoses = { at: now, poses };
  }

  private record(result: FrameResult, at: string): void {
    const sink = this.service.sink;
    for (const event of result.events)
      sink.event(`vision.${event.kind}`, at, eventPayload(this.config.id, event));
    const add = (id: string, people: number) => {
      const s = this.sampleSums.get(id) ?? { sum: 0, n: 0 };
      s.sum += people;
      s.n += 1;
      this.sampleSums.set(id, s);
    };
    add(this.config.id, result.people);
    // Layout zone ids are per camera: the sample's key is a zone id hashed from the camera and the layout
    // zone (what sync accepts: a document id); a zone document id (zone:…) is already unique in the chain.
    for (const [zoneId, people] of Object.entries(result.zones))
      add(sampleZoneId(this.config.id, zoneId), people);
    if (Date.now() - this.sampleStarted >= this.service.sampleEverySec * 1000) {
      for (const [id, s] of this.sampleSums) if (s.n > 0) sink.occupancy(id, at, Math.round(s.sum / s.n));
      this.sampleSums.clear();
      this.sampleStarted = Date.now();
    }
  }
}

/**
 * The key an occupancy sample of a layout zone is stored and synced under: the zone document id when the
 * zone is one, else `deterministicDocId('zone', cameraId, zoneId)` (stable, unique in the chain, and shaped
 * like a document id as the sync protocol requires).
 */
export function sampleZoneId(cameraId: string, zoneId: string): string {
  return /^zone:[0-9A-HJKMNP-TV-Z]{26}$/.test(zoneId) ? zoneId : deterministicDocId('zone', cameraId, zoneId);
}

function r3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function eventPayload(cameraId: string, event: VisionEvent): Record<string, string | number> {
  const base: Record<string, string | number> = {
    cameraId,
    trackId: event.trackId,
    timeSec: Math.round(event.timeSec * 100) / 100,
  };
  if (event.kind === 'line_cross') return { ...base, lineId: event.lineId, direction: event.direction };
  return {
    ...base,
    zoneId: event.zoneId,
    ...(event.dwellSec === undefined ? {} : { dwellSec: event.dwellSec }),
  };
}

/**
 * The unit's vision: one worker per camera, one shared detector (one inference at a time), health and
 * metrics. A missing or refused model never stops the unit: cameras keep showing frames and health
 * says plainly that nobody is being counted.
 */
export class VisionService {
  readonly queue = new SerialQueue();
  readonly sink: VisionSink;
  readonly logger: Logger;
  readonly sampleEverySec: number;
  readonly previewWidth: number;
  readonly backoff: { readonly min: number; readonly max: number };
  readonly pose: LivePose | undefined;
  detectorInstance: PersonDetector | undefined;
  model: ModelStatus = { ok: false, reason: 'vision has not started' };
  inputSize = { width: 640, height: 640 };
  private readonly workers = new Map<string, CameraWorker>();
  private started = false;

  constructor(private readonly options: VisionServiceOptions) {
    this.sink = options.sink;
    this.logger = options.logger;
    this.sampleEverySec = options.sampleEverySec ?? 60;
    this.previewWidth = options.previewWidth ?? 640;
    this.backoff = options.backoffMs ?? { min: 1000, max: 30_000 };
    this.pose = options.pose;
  }

  /** Loads the detector (a failure is reported, not thrown) and starts every camera. */
  async start(
    cameras: readonly CameraConfig[],
    options: { readonly modelCheck?: () => ModelStatus } = {},
  ): Promise<void> {
    if (this.started) throw new Error('vision already started');
    this.started = true;
    if (cameras.length === 0 && options.modelCheck) {
      // Nothing to watch: check the model is there (sha256) without spending memory on loading it.
      this.model = options.modelCheck();
      return;
    }
    try {
      this.detectorInstance = await this.options.detector();
      this.inputSize = { width: this.detectorInstance.inputWidth, height: this.detectorInstance.inputHeight };
      this.model = { ok: true, inputWidth: this.inputSize.width, inputHeight: this.inputSize.height };
    } catch (error) {
      this.model = { ok: false, reason: error instanceof Error ? error.message : String(error) };
      this.logger.error(
        { reason: this.model.reason },
        'vision: person detector unavailable; cameras will not count people',
      );
    }
    for (const camera of cameras) this.addCamera(camera);
  }

  addCamera(camera: CameraConfig): void {
    if (this.workers.has(camera.id)) throw new Error(`camera ${camera.id} is already running`);
    const worker = new CameraWorker(camera, this);
    this.workers.set(camera.id, worker);
    worker.start();
    // Chromium and the pose model load beside the cameras: counting starts at once, skeletons when ready.
    if (camera.pose) void this.pose?.ensureStarted();
  }

  /** Every frame a camera shows, with its overlay, as it is made; returns the unsubscribe function. */
  subscribe(id: string, listener: FrameListener): (() => void) | undefined {
    const worker = this.workers.get(id);
    if (worker === undefined) return undefined;
    worker.listeners.add(listener);
    return () => worker.listeners.delete(listener);
  }

  cameraIds(): string[] {
    return [...this.workers.keys()];
  }

  camera(
    id: string,
  ): { config: CameraConfig; health: CameraHealth; jpeg?: Buffer; overlay?: Overlay } | undefined {
    const worker = this.workers.get(id);
    if (worker === undefined) return undefined;
    return {
      config: worker.config,
      health: worker.health(),
      ...(worker.latestJpeg ? { jpeg: worker.latestJpeg } : {}),
      ...(worker.latestOverlay ? { overlay: worker.latestOverlay } : {}),
    };
  }

  /** Replaces a camera's zones and lines; counting restarts with the new layout (tracks start over). */
  setLayout(
    id: string,
    zones: readonly ZoneSpec[],
    lines: readonly LineSpec[],
    pose: CameraConfig['pose'] = this.workers.get(id)?.config.pose,
  ): boolean {
    const worker = this.workers.get(id);
    if (worker === undefined) return false;
    const { pose: _old, ...rest } = worker.config;
    worker.config = { ...rest, zones, lines, ...(pose ? { pose } : {}) };
    if (pose) void this.pose?.ensureStarted();
    worker.resetPipeline();
    return true;
  }

  health(): VisionHealth {
    const cameras = [...this.workers.values()].map((w) => w.health());
    const poseStatus = this.poseStatus();
    const state: VisionHealth['state'] = !this.model.ok
      ? 'no_model'
      : cameras.length === 0
        ? 'idle'
        : cameras.some((c) => c.state !== 'running') ||
            (poseStatus.wanted && poseStatus.state === 'unavailable')
          ? 'degraded'
          : 'ok';
    return { state, model: this.model, pose: poseStatus, cameras };
  }

  private poseStatus(): VisionHealth['pose'] {
    const wanted = [...this.workers.values()].some((w) => w.config.pose !== undefined);
    const status = this.pose?.status() ?? {
      state: 'off' as const,
      model: 'lite' as const,
      framesAnalysed: 0,
      dropped: 0,
      modelMs: 0,
    };
    if (wanted && this.pose === undefined)
      return { ...status, wanted, state: 'unavailable', reason: 'this unit runs no pose estimator' };
    return { ...status, wanted };
  }

  /** Plain sentences for the unit's /health `reasons` when vision needs a look. */
  reasons(): string[] {
    const health = this.health();
    const reasons: string[] = [];
    if (!health.model.ok)
      reasons.push(`vision: NOT counting people, the person detector is unavailable: ${health.model.reason}`);
    const poseCameras = health.cameras.filter((c) => c.pose !== undefined).map((c) => c.name);
    if (health.pose.wanted && health.pose.state === 'unavailable')
      reasons.push(
        `vision: NOT estimating pose on ${poseCameras.join(', ')} (no skeletons, no rep counts, no weight-dropped or lying-still alerts; people are still counted): ${health.pose.reason ?? 'unknown reason'}`,
      );
    if (health.pose.wanted && this.pose?.disabled)
      reasons.push(`vision: pose is turned off (GYMEDGE_POSE=off); ${poseCameras.join(', ')} ask for it`);
    for (const camera of health.cameras) {
      if (camera.state !== 'running') {
        reasons.push(
          `vision: camera ${camera.name} is ${camera.state}${camera.lastError ? ` (${camera.lastError})` : ''}`,
        );
      }
    }
    return reasons;
  }

  /** Registers per-camera gauges (state, fps, dropped, people) and the model state. */
  registerMetrics(registry: Registry): void {
    const service = this;
    new Gauge({
      name: 'gymedge_vision_model_loaded',
      help: '1 when the person detector is loaded, 0 when vision cannot count (model missing or refused)',
      registers: [registry],
      collect() {
        this.set(service.model.ok ? 1 : 0);
      },
    });
    const perCamera = (name: string, help: string, value: (h: CameraHealth) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['camera'],
        registers: [registry],
        collect() {
          this.reset();
          for (const h of service.health().cameras) {
            const v = value(h);
            if (v !== undefined) this.set({ camera: h.id }, v);
          }
        },
      });
    perCamera('gymedge_vision_camera_up', '1 when the camera delivers frames', (h) =>
      h.state === 'running' ? 1 : 0,
    );
    perCamera('gymedge_vision_camera_fps', 'frames analysed per second', (h) => h.fps);
    perCamera(
      'gymedge_vision_camera_frames_dropped',
      'frames skipped because analysis was busy',
      (h) => h.dropped,
    );
    perCamera(
      'gymedge_vision_camera_reconnects',
      'times the camera stream was reopened',
      (h) => h.reconnects,
    );
    perCamera('gymedge_vision_camera_people', 'people on the last analysed frame', (h) => h.people);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
    await this.pose?.close();
    await this.detectorInstance?.close();
    this.detectorInstance = undefined;
  }
}
