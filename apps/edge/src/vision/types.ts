import type { Exercise } from './exercises.ts';

/** A point in normalised frame coordinates (0-1, origin top left). */
export type Point = readonly [number, number];

/** An axis-aligned box in normalised frame coordinates: top-left corner, width, height. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A detector's person box with its score (0-1). */
export interface Detection extends Box {
  readonly score: number;
}

/** A tracked person on one frame: a stable id, the box, and whether it has persisted long enough to count. */
export interface TrackedPerson extends Box {
  readonly id: number;
  readonly score: number;
  /** True once the track has been seen on `minHits` frames (anti-flicker); only confirmed tracks count. */
  readonly confirmed: boolean;
  /** Frames since the track was last matched to a detection (0 = seen on this frame). */
  readonly missed: number;
  /** Velocity of the box centre in normalised units per second. */
  readonly vx: number;
  readonly vy: number;
}

/** A polygon zone of a camera view, counted and watched. */
export interface ZoneSpec {
  readonly id: string;
  readonly name: string;
  readonly polygon: readonly Point[];
  /** What the area is for; the safety rules use it (`no_seat`: nobody should sit here). */
  readonly kind?: 'floor' | 'equipment' | 'no_seat' | 'entrance';
  readonly capacity?: number;
  /** On a pose camera: the exercise done here; reps of people standing in the zone are counted. */
  readonly exercise?: Exercise;
}

/** A counting line: crossing it from its left side to its right side (looking from `from` to `to`) is `in`. */
export interface LineSpec {
  readonly id: string;
  readonly name: string;
  readonly from: Point;
  readonly to: Point;
}

/** Something that happened on the floor, written to the `events` table and to events.jsonl. */
export type VisionEvent =
  | {
      readonly kind: 'line_cross';
      readonly lineId: string;
      readonly direction: 'in' | 'out';
      readonly trackId: number;
      readonly frame: number;
      readonly timeSec: number;
    }
  | {
      readonly kind: 'zone_enter' | 'zone_exit';
      readonly zoneId: string;
      readonly trackId: number;
      readonly frame: number;
      readonly timeSec: number;
      /** Seconds spent in the zone, on exit. */
      readonly dwellSec?: number;
    };

/** What the pipeline says about one frame. */
export interface FrameResult {
  readonly frame: number;
  readonly timeSec: number;
  /** Confirmed people on this frame (visible now). */
  readonly people: number;
  readonly tracks: readonly TrackedPerson[];
  /** Confirmed people per zone id. */
  readonly zones: Readonly<Record<string, number>>;
  readonly events: readonly VisionEvent[];
}
