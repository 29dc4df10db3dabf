import type { Logger } from 'pino';
import type { Landmark } from './exercises.ts';
import { PoseEstimator, type PoseModel } from './pose.ts';
import type { Box } from './types.ts';

/** What live pose needs from an estimator: landmarks of each person box of a JPEG frame. */
export interface PoseBackend {
  /** `trackIds` (one per box) let the estimator follow each person from frame to frame. */
  detectPeople(
    jpeg: Buffer,
    boxes: readonly Box[],
    trackIds?: readonly number[],
  ): Promise<{ people: (Landmark[] | undefined)[]; ms: number }>;
  close(): Promise<void>;
}

/**
 * `off`: no camera asks for pose, or it was turned off (GYMEDGE_POSE=off); `starting`: Chromium and the
 * model are loading; `ok`; `unavailable`: no pose model or no Chromium (the reason says which), so no
 * skeletons, no reps and no landmark safety rules, while people are still counted.
 */
export type PoseState = 'off' | 'starting' | 'ok' | 'unavailable';

export interface PoseStatus {
  readonly state: PoseState;
  readonly model: PoseModel;
  readonly reason?: string;
  /** Frames analysed by pose since start, and frames skipped because pose was still busy. */
  readonly framesAnalysed: number;
  readonly dropped: number;
  /** Mean model time per frame over the last frames (ms, all people of the frame). */
  readonly modelMs: number;
}

export interface LivePoseOptions {
  readonly model?: PoseModel;
  readonly logger: Logger;
  /** Turned off by configuration: cameras run without pose and nothing is degraded. */
  readonly disabled?: boolean;
  /** Starts the estimator; default: MediaPipe PoseLandmarker in headless Chromium. */
  readonly start?: (model: PoseModel) => Promise<PoseBackend>;
  /** Frames in the page at once (the next is sent while one is analysed); default 2. */
  readonly inFlight?: number;
  /** After a failure (Chromium crashed), try to start again after this long; default 60 s. */
  readonly retryMs?: number;
}

/**
 * Pose for the unit's live cameras: one PoseLandmarker (one Chromium) shared by every camera that asks for
 * it, started on first use. It never queues: a frame offered while `inFlight` frames are in the page is
 * dropped (counted). A missing model or Chromium is a state with a plain reason, never a crash.
 */
export class LivePose {
  readonly model: PoseModel;
  private backend: PoseBackend | undefined;
  private state: PoseState = 'off';
  private reason: string | undefined;
  private starting: Promise<void> | undefined;
  private busy = 0;
  private framesAnalysed = 0;
  private dropped = 0;
  private recentMs: number[] = [];
  private failedAt = 0;
  private closed = false;
  private readonly inFlight: number;
  private readonly retryMs: number;

  constructor(private readonly options: LivePoseOptions) {
    this.model = options.model ?? 'lite';
    this.inFlight = options.inFlight ?? 2;
    this.retryMs = options.retryMs ?? 60_000;
  }

  status(): PoseStatus {
    const modelMs =
      this.recentMs.length === 0 ? 0 : this.recentMs.reduce((s, v) => s + v, 0) / this.recentMs.length;
    return {
      state: this.state,
      model: this.model,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      framesAnalysed: this.framesAnalysed,
      dropped: this.dropped,
      modelMs: Math.round(modelMs * 10) / 10,
    };
  }

  get disabled(): boolean {
    return this.options.disabled === true;
  }

  /** Starts the estimator once (a camera asked for pose); resolves when it is ready or has failed. */
  ensureStarted(): Promise<void> {
    if (this.disabled || this.closed) return Promise.resolve();
    if (this.state === 'unavailable' && Date.now() - this.failedAt > this.retryMs) this.starting = undefined;
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    this.state = 'starting';
    this.reason = undefined;
    const start = this.options.start ?? ((model: PoseModel) => PoseEstimator.start(model));
    try {
      const backend = await start(this.model);
      if (this.closed) {
        await backend.close();
        return;
      }
      this.backend = backend;
      this.state = 'ok';
      this.options.logger.info({ model: this.model }, 'vision: pose estimation ready for live cameras');
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.state = 'unavailable';
    this.reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    this.failedAt = Date.now();
    this.options.logger.error(
      { reason: this.reason },
      'vision: pose estimation unavailable (no skeletons, reps or landmark safety rules)',
    );
    const backend = this.backend;
    this.backend = undefined;
    void backend?.close().catch(() => undefined);
  }

  /**
   * Landmarks of each box of a frame, or undefined when pose is not running or is busy (the frame is
   * dropped: counted, never queued).
   */
  offer(
    jpeg: Buffer,
    boxes: readonly Box[],
    trackIds?: readonly number[],
  ): Promise<(Landmark[] | undefined)[]> | undefined {
    if (this.state !== 'ok') {
      if (this.state === 'unavailable') void this.ensureStarted();
      return undefined;
    }
    const backend = this.backend;
    if (backend === undefined) return undefined;
    if (this.busy >= this.inFlight) {
      this.dropped += 1;
      return undefined;
    }
    this.busy += 1;
    return backend
      .detectPeople(jpeg, boxes, trackIds)
      .then(
        (result) => {
          this.framesAnalysed += 1;
          this.recentMs.push(result.ms);
          if (this.recentMs.length > 50) this.recentMs.shift();
          return result.people;
        },
        (error: unknown) => {
          if (!this.closed) this.fail(error);
          return boxes.map(() => undefined);
        },
      )
      .finally(() => {
        this.busy -= 1;
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    const backend = this.backend;
    this.backend = undefined;
    await backend?.close();
  }
}
