import { iou } from './detector.ts';
import type { Box, Detection, TrackedPerson } from './types.ts';

/** Tunables of {@link ByteTracker}; defaults were tuned on vtest.avi at 10 fps (docs/vision.md). */
export interface TrackerOptions {
  /** Detections at or above this score start tracks and match first; default 0.55. */
  readonly highScore?: number;
  /** Weaker detections (down to the detector's floor) only keep existing confirmed tracks alive. */
  readonly lowScore?: number;
  /** Least IoU between a predicted track and a detection to match them; default 0.2. */
  readonly matchIou?: number;
  /** Frames a track must be seen before it counts (anti-flicker); default 3. */
  readonly minHits?: number;
  /** Seconds a confirmed track survives unseen (occlusion) before it is dropped; default 1. */
  readonly maxAgeSec?: number;
  /**
   * Least running mean of a track's detection scores (exponential, weight 0.2 per frame) for it to count.
   * A sign post that scores 0.3-0.55 on every frame is tracked but never counted; a person half hidden
   * for a few frames keeps counting on the strength of their history. Default 0.5.
   */
  readonly minQuality?: number;
}

interface TrackState {
  id: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
  vx: number;
  vy: number;
  score: number;
  hits: number;
  missed: number;
  missedSec: number;
  quality: number;
  established: boolean;
}

/** Gains of the steady-state (alpha-beta) Kalman filter on the box centre. */
const ALPHA = 0.6;
const BETA = 0.25;
const SIZE_GAIN = 0.4;
const QUALITY_GAIN = 0.2;

function boxOf(track: TrackState): Box {
  return { x: track.cx - track.w / 2, y: track.cy - track.h / 2, w: track.w, h: track.h };
}

/** Greedy best-IoU-first assignment; returns [trackIndex, detectionIndex] pairs. */
function associate(
  tracks: readonly TrackState[],
  detections: readonly Detection[],
  minIou: number,
): [number, number][] {
  const pairs: { t: number; d: number; iou: number }[] = [];
  for (let t = 0; t < tracks.length; t++) {
    const predicted = boxOf(tracks[t] as TrackState);
    for (let d = 0; d < detections.length; d++) {
      const overlap = iou(predicted, detections[d] as Detection);
      if (overlap >= minIou) pairs.push({ t, d, iou: overlap });
    }
  }
  pairs.sort((a, b) => b.iou - a.iou);
  const usedT = new Set<number>();
  const usedD = new Set<number>();
  const matches: [number, number][] = [];
  for (const pair of pairs) {
    if (usedT.has(pair.t) || usedD.has(pair.d)) continue;
    usedT.add(pair.t);
    usedD.add(pair.d);
    matches.push([pair.t, pair.d]);
  }
  return matches;
}

/**
 * Multi-object tracker in the manner of ByteTrack: constant-velocity prediction of each box, a first
 * association of confident detections, then a second one of weak detections to confirmed tracks (a
 * person half hidden behind another keeps their id), tentative tracks until `minHits` frames, and
 * confirmed tracks kept through short occlusions. Ids are stable and never reused.
 */
export class ByteTracker {
  private tracks: TrackState[] = [];
  private nextId = 1;
  private readonly highScore: number;
  private readonly lowScore: number;
  private readonly matchIou: number;
  private readonly minHits: number;
  private readonly maxAgeSec: number;
  private readonly minQuality: number;

  constructor(options: TrackerOptions = {}) {
    this.highScore = options.highScore ?? 0.55;
    this.lowScore = options.lowScore ?? 0.25;
    this.matchIou = options.matchIou ?? 0.2;
    this.minHits = options.minHits ?? 3;
    this.maxAgeSec = options.maxAgeSec ?? 1;
    this.minQuality = options.minQuality ?? 0.5;
  }

  /** Advances by one frame `dtSec` after the previous one and returns every live track. */
  update(detections: readonly Detection[], dtSec: number): TrackedPerson[] {
    const dt = Math.max(1e-3, dtSec);
    for (const track of this.tracks) {
      track.cx += track.vx * dt;
      track.cy += track.vy * dt;
    }
    const high = detections.filter((d) => d.score >= this.highScore);
    const low = detections.filter((d) => d.score < this.highScore && d.score >= this.lowScore);

    const matched = new Set<number>();
    const first = associate(this.tracks, high, this.matchIou);
    for (const [t, d] of first) {
      this.correct(this.tracks[t] as TrackState, high[d] as Detection, dt, true);
      matched.add(t);
    }
    const usedHigh = new Set(first.map(([, d]) => d));
    const leftover = this.tracks
      .map((track, index) => ({ track, index }))
      .filter((e) => !matched.has(e.index) && e.track.established);
    const second = associate(
      leftover.map((e) => e.track),
      low,
      this.matchIou,
    );
    for (const [l, d] of second) {
      const entry = leftover[l];
      if (entry === undefined) continue;
      this.correct(entry.track, low[d] as Detection, dt, false);
      matched.add(entry.index);
    }

    // Third chance: a confident detection near a lost established track (the IoU test fails when a
    // person reappears from behind a post a little off the predicted box) keeps that track's id.
    const lost = this.tracks
      .map((track, index) => ({ track, index }))
      .filter((e) => !matched.has(e.index) && e.track.established);
    const freeHigh = high
      .map((detection, index) => ({ detection, index }))
      .filter((e) => !usedHigh.has(e.index));
    const near: { l: number; h: number; distance: number }[] = [];
    lost.forEach((entry, l) => {
      freeHigh.forEach((free, h) => {
        const d = free.detection;
        const distance =
          Math.hypot(d.x + d.w / 2 - entry.track.cx, d.y + d.h / 2 - entry.track.cy) /
          Math.max(entry.track.h, d.h);
        if (distance < 0.8) near.push({ l, h, distance });
      });
    });
    near.sort((a, b) => a.distance - b.distance);
    const relinked = new Set<number>();
    for (const pair of near) {
      const entry = lost[pair.l];
      const free = freeHigh[pair.h];
      if (entry === undefined || free === undefined || matched.has(entry.index) || relinked.has(pair.h))
        continue;
      entry.track.cx = free.detection.x + free.detection.w / 2;
      entry.track.cy = free.detection.y + free.detection.h / 2;
      entry.track.vx = 0;
      entry.track.vy = 0;
      this.correct(entry.track, free.detection, dt, true);
      matched.add(entry.index);
      relinked.add(pair.h);
      usedHigh.add(free.index);
    }

    const survivors: TrackState[] = [];
    this.tracks.forEach((track, index) => {
      if (matched.has(index)) {
        survivors.push(track);
        return;
      }
      track.missed += 1;
      track.missedSec += dt;
      // A tentative track that is not seen again was flicker; a confirmed one waits out occlusions.
      if (track.established && track.missedSec <= this.maxAgeSec) {
        track.vx *= 0.5;
        track.vy *= 0.5;
        survivors.push(track);
      }
    });
    high.forEach((detection, d) => {
      if (usedHigh.has(d)) return;
      survivors.push({
        id: this.nextId++,
        cx: detection.x + detection.w / 2,
        cy: detection.y + detection.h / 2,
        w: detection.w,
        h: detection.h,
        vx: 0,
        vy: 0,
        score: detection.score,
        hits: 1,
        missed: 0,
        missedSec: 0,
        quality: detection.score,
        established: this.minHits <= 1,
      });
    });
    this.tracks = survivors;
    return this.tracks.map((track) => ({
      id: track.id,
      ...boxOf(track),
      score: track.score,
      confirmed: track.established && track.quality >= this.minQuality,
      missed: track.missed,
      vx: track.vx,
      vy: track.vy,
    }));
  }

  private correct(track: TrackState, detection: Detection, dt: number, strong: boolean): void {
    const cx = detection.x + detection.w / 2;
    const cy = detection.y + detection.h / 2;
    const rx = cx - track.cx;
    const ry = cy - track.cy;
    track.cx += ALPHA * rx;
    track.cy += ALPHA * ry;
    track.vx += (BETA * rx) / dt;
    track.vy += (BETA * ry) / dt;
    track.w += SIZE_GAIN * (detection.w - track.w);
    track.h += SIZE_GAIN * (detection.h - track.h);
    track.score = detection.score;
    track.quality += QUALITY_GAIN * (detection.score - track.quality);
    track.hits += 1;
    track.missed = 0;
    track.missedSec = 0;
    if (track.hits >= this.minHits && strong) track.established = true;
  }
}
