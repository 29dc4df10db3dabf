import type { LineSpec, Point, TrackedPerson, VisionEvent, ZoneSpec } from './types.ts';

/** Ray-casting point-in-polygon test (normalised coordinates). */
export function insidePolygon(point: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  const [px, py] = point;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as Point;
    const [xj, yj] = polygon[j] as Point;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Where a person stands: the bottom centre of their box (zones and lines are drawn on the floor). */
export function footOf(track: { x: number; y: number; w: number; h: number }): Point {
  return [track.x + track.w / 2, track.y + track.h];
}

/**
 * Signed distance of `p` from the infinite line through the segment, positive on the `in` side
 * (right of `from` → `to` in image coordinates, y down: for a line drawn left to right, below it), plus where along the segment it projects (0-1).
 */
export function sideOf(line: LineSpec, p: Point): { distance: number; t: number } {
  const dx = line.to[0] - line.from[0];
  const dy = line.to[1] - line.from[1];
  const length = Math.hypot(dx, dy) || 1;
  const distance = (dx * (p[1] - line.from[1]) - dy * (p[0] - line.from[0])) / length;
  const t = ((p[0] - line.from[0]) * dx + (p[1] - line.from[1]) * dy) / (length * length);
  return { distance, t };
}

export interface CountingOptions {
  /** A foot point must be this far (normalised) from a line before its side counts; kills jitter. Default 0.01. */
  readonly lineHysteresis?: number;
  /** Frames a confirmed track must be inside (or outside) a zone before it enters (or exits). Default 2. */
  readonly zoneFrames?: number;
}

interface TrackMemory {
  lineSide: Map<string, number>;
  zoneInside: Map<string, { inside: boolean; streak: number; since: number }>;
}

/**
 * Turns tracks into occupancy per zone and events: line crossings with direction (each track crosses
 * a line once per real crossing: a foot point jittering on the line changes nothing), zone enter/exit
 * with dwell. Only confirmed tracks count.
 */
export class FlowCounter {
  private readonly memory = new Map<number, TrackMemory>();
  private readonly hysteresis: number;
  private readonly zoneFrames: number;
  lineIn = 0;
  lineOut = 0;
  readonly perLine = new Map<string, { in: number; out: number }>();

  constructor(
    readonly zones: readonly ZoneSpec[],
    readonly lines: readonly LineSpec[],
    options: CountingOptions = {},
  ) {
    this.hysteresis = options.lineHysteresis ?? 0.01;
    this.zoneFrames = options.zoneFrames ?? 2;
    for (const line of lines) this.perLine.set(line.id, { in: 0, out: 0 });
  }

  /** Feeds one frame's tracks; returns occupancy per zone id (visible confirmed people) and the events. */
  update(
    tracks: readonly TrackedPerson[],
    frame: number,
    timeSec: number,
  ): { zones: Record<string, number>; events: VisionEvent[] } {
    const events: VisionEvent[] = [];
    const occupancy: Record<string, number> = {};
    for (const zone of this.zones) occupancy[zone.id] = 0;
    const live = new Set<number>();
    for (const track of tracks) {
      live.add(track.id);
      // Unconfirmed tracks keep their memory (a person briefly unsure is not a new person) but count nothing.
      if (!track.confirmed) continue;
      let memory = this.memory.get(track.id);
      if (memory === undefined) {
        memory = { lineSide: new Map(), zoneInside: new Map() };
        this.memory.set(track.id, memory);
      }
      const foot = footOf(track);
      for (const line of this.lines) {
        const { distance, t } = sideOf(line, foot);
        if (Math.abs(distance) < this.hysteresis) continue;
        const side = Math.sign(distance);
        const previous = memory.lineSide.get(line.id);
        memory.lineSide.set(line.id, side);
        if (previous === undefined || previous === side || t < -0.05 || t > 1.05) continue;
        const direction = side > 0 ? 'in' : 'out';
        const counts = this.perLine.get(line.id);
        if (counts) counts[direction] += 1;
        if (direction === 'in') this.lineIn += 1;
        else this.lineOut += 1;
        events.push({ kind: 'line_cross', lineId: line.id, direction, trackId: track.id, frame, timeSec });
      }
      for (const zone of this.zones) {
        const inside = insidePolygon(foot, zone.polygon);
        const state = memory.zoneInside.get(zone.id) ?? { inside: false, streak: 0, since: timeSec };
        if (inside !== state.inside) {
          state.streak += 1;
          if (state.streak >= this.zoneFrames) {
            state.inside = inside;
            state.streak = 0;
            if (inside) {
              state.since = timeSec;
              events.push({ kind: 'zone_enter', zoneId: zone.id, trackId: track.id, frame, timeSec });
            } else {
              events.push({
                kind: 'zone_exit',
                zoneId: zone.id,
                trackId: track.id,
                frame,
                timeSec,
                dwellSec: round(timeSec - state.since),
              });
            }
          }
        } else state.streak = 0;
        memory.zoneInside.set(zone.id, state);
        if (state.inside && track.missed === 0) occupancy[zone.id] = (occupancy[zone.id] ?? 0) + 1;
      }
    }
    // Tracks that ended: whoever was inside a zone has left it.
    for (const [id, memory] of this.memory) {
      if (live.has(id)) continue;
      for (const [zoneId, state] of memory.zoneInside) {
        if (state.inside) {
          events.push({
            kind: 'zone_exit',
            zoneId,
            trackId: id,
            frame,
            timeSec,
            dwellSec: round(timeSec - state.since),
          });
        }
      }
      this.memory.delete(id);
    }
    return { zones: occupancy, events };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
