import { FlowCounter } from './counting.ts';
import type { PersonDetector } from './detector.ts';
import type { Frame } from './ingest.ts';
import { ByteTracker, type TrackerOptions } from './tracker.ts';
import type { FrameResult, LineSpec, ZoneSpec } from './types.ts';

/** Options of one camera's counting pipeline. */
export interface PeoplePipelineOptions {
  readonly zones?: readonly ZoneSpec[];
  readonly lines?: readonly LineSpec[];
  readonly tracker?: TrackerOptions;
  /**
   * A confirmed track unseen for up to this many frames still counts as present (a person hidden for a
   * frame behind another has not left). Default 1.
   */
  readonly holdFrames?: number;
}

/**
 * Detection + tracking + zones/lines for one camera, frame by frame. Not thread-safe: one frame at a
 * time (the camera worker guarantees it).
 */
export class PeoplePipeline {
  private readonly tracker: ByteTracker;
  readonly counter: FlowCounter;
  private readonly holdFrames: number;
  private lastTime: number | undefined;

  constructor(
    private readonly detector: PersonDetector,
    options: PeoplePipelineOptions = {},
  ) {
    this.tracker = new ByteTracker(options.tracker);
    this.counter = new FlowCounter(options.zones ?? [], options.lines ?? []);
    this.holdFrames = options.holdFrames ?? 1;
  }

  async process(frame: Frame): Promise<FrameResult> {
    const detections = await this.detector.detect(frame.bgr);
    const dt = this.lastTime === undefined ? 0.1 : frame.timeSec - this.lastTime;
    this.lastTime = frame.timeSec;
    const tracks = this.tracker.update(detections, dt);
    const { zones, events } = this.counter.update(tracks, frame.index, frame.timeSec);
    const people = tracks.filter((t) => t.confirmed && t.missed <= this.holdFrames).length;
    return { frame: frame.index, timeSec: frame.timeSec, people, tracks, zones, events };
  }
}
