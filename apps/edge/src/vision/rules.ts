import { footOf, insidePolygon } from './counting.ts';
import type { Landmark } from './exercises.ts';
import { LM, MIN_VISIBILITY } from './exercises.ts';
import type { TrackedPerson, ZoneSpec } from './types.ts';

/** What a safety rule saw: one event, raised once (see {@link SafetyRules} cool-downs). */
export interface SafetyFinding {
  readonly rule: 'possible_fall' | 'sitting_no_seat' | 'weight_dropped';
  readonly kind: 'equipment_misuse' | 'posture' | 'system';
  readonly severity: 'warning' | 'critical';
  readonly trackId?: number;
  readonly zoneId?: string;
  readonly timeSec: number;
  /** The person's box, for the snapshot (faces are blurred from it). */
  readonly box?: { x: number; y: number; w: number; h: number };
  readonly title: { readonly 'pt-BR': string; readonly en: string };
}

export interface SafetyOptions {
  /** Width/height of the source frame, to judge box shapes in pixels (default 4:3). */
  readonly aspect?: number;
  /** A person lying (box wider than tall) and still for this long is a possible fall; default 8 s. */
  readonly lyingSec?: number;
  /** Sitting (box under 65% of the person's standing height) and still in a no-seat zone; default 5 s. */
  readonly sittingSec?: number;
  /** Below this speed (normalised units/s) a person is still; default 0.02. */
  readonly stillSpeed?: number;
  /** The same rule in the same place alerts again only after this long; default 120 s. */
  readonly coolDownSec?: number;
}

interface TrackHistory {
  standingHeight: number;
  lyingSince?: number;
  sittingSince?: number;
  raised: Set<string>;
}

/** What the pose rules remember of one tracked person. */
interface PoseHistory {
  drop: DroppedWeightRule;
  /** Since when the torso has been horizontal and the hips still (pose), and where the hips were then. */
  lyingSince?: number;
  lyingAt?: { x: number; y: number };
  seenAt: number;
}

const TITLES: Record<SafetyFinding['rule'], SafetyFinding['title']> = {
  possible_fall: {
    'pt-BR': 'Pessoa deitada e imóvel no chão: possível queda',
    en: 'Person lying still on the floor: possible fall',
  },
  sitting_no_seat: {
    'pt-BR': 'Pessoa sentada onde não há assento',
    en: 'Someone sitting where there is no seat',
  },
  weight_dropped: {
    'pt-BR': 'Peso largado: as mãos caíram de repente',
    en: 'Weight dropped: the hands fell suddenly',
  },
};

/** Angle of the torso (mid-shoulders to mid-hips) from vertical, in degrees, and its length; from landmarks. */
export function torsoFromVertical(
  landmarks: readonly Landmark[],
): { angle: number; length: number; hip: { x: number; y: number } } | undefined {
  const parts = [LM.leftShoulder, LM.rightShoulder, LM.leftHip, LM.rightHip].map((i) => landmarks[i]);
  if (parts.some((l) => l === undefined || (l.visibility ?? 1) < MIN_VISIBILITY)) return undefined;
  const [ls, rs, lh, rh] = parts as [Landmark, Landmark, Landmark, Landmark];
  const shoulder = { x: (ls.x + rs.x) / 2, y: (ls.y + rs.y) / 2 };
  const hip = { x: (lh.x + rh.x) / 2, y: (lh.y + rh.y) / 2 };
  const dx = shoulder.x - hip.x;
  const dy = shoulder.y - hip.y;
  const length = Math.hypot(dx, dy);
  if (length === 0) return undefined;
  return { angle: (Math.atan2(Math.abs(dx), Math.abs(dy)) * 180) / Math.PI, length, hip };
}

/**
 * Safety rules over tracked people: a person lying still on the floor (possible fall), someone sitting
 * in a zone that has no seat. One event is one finding: a rule fires once per track while the condition
 * lasts, and the same rule in the same zone then waits out a cool-down.
 */
export class SafetyRules {
  private readonly tracks = new Map<number, TrackHistory>();
  private readonly poses = new Map<number, PoseHistory>();
  private readonly lastRaised = new Map<string, number>();
  private readonly aspect: number;
  private readonly lyingSec: number;
  private readonly sittingSec: number;
  private readonly stillSpeed: number;
  private readonly coolDownSec: number;

  constructor(
    readonly zones: readonly ZoneSpec[],
    options: SafetyOptions = {},
  ) {
    this.aspect = options.aspect ?? 4 / 3;
    this.lyingSec = options.lyingSec ?? 8;
    this.sittingSec = options.sittingSec ?? 5;
    this.stillSpeed = options.stillSpeed ?? 0.02;
    this.coolDownSec = options.coolDownSec ?? 120;
  }

  update(tracks: readonly TrackedPerson[], timeSec: number): SafetyFinding[] {
    const findings: SafetyFinding[] = [];
    const live = new Set<number>();
    for (const track of tracks) {
      if (!track.confirmed || track.missed > 0) continue;
      live.add(track.id);
      const history = this.tracks.get(track.id) ?? { standingHeight: track.h, raised: new Set<string>() };
      this.tracks.set(track.id, history);
      const still = Math.hypot(track.vx, track.vy) < this.stillSpeed;
      const pixelRatio = (track.w * this.aspect) / track.h;
      const lying = pixelRatio > 1.3;
      if (!lying) history.standingHeight = Math.max(history.standingHeight * 0.995, track.h);

      if (lying && still) history.lyingSince ??= timeSec;
      else history.lyingSince = undefined;
      if (history.lyingSince !== undefined && timeSec - history.lyingSince >= this.lyingSec) {
        const finding = this.raise(history, 'possible_fall', undefined, track, timeSec);
        if (finding) findings.push(finding);
      } else if (!lying) history.raised.delete('possible_fall');

      const noSeat = this.zones.find((z) => z.kind === 'no_seat' && insidePolygon(footOf(track), z.polygon));
      const sitting = !lying && track.h < 0.65 * history.standingHeight;
      if (noSeat && sitting && still) history.sittingSince ??= timeSec;
      else history.sittingSince = undefined;
      if (noSeat && history.sittingSince !== undefined && timeSec - history.sittingSince >= this.sittingSec) {
        const finding = this.raise(history, 'sitting_no_seat', noSeat.id, track, timeSec);
        if (finding) findings.push(finding);
      } else if (!sitting) history.raised.delete('sitting_no_seat');
    }
    for (const id of this.tracks.keys()) if (!live.has(id)) this.tracks.delete(id);
    return findings;
  }

  /**
   * Rules that need landmarks, for one tracked person (pose runs on the camera's frames at its own,
   * lower rate): weights dropped (both wrists fall fast) and a person lying still (torso horizontal, hips
   * not moving) for `lyingSec`. They share the box rules' once-per-event and cool-down logic, so a fall
   * seen by both the box shape and the landmarks is one alert.
   */
  updatePose(
    track: Pick<TrackedPerson, 'id' | 'x' | 'y' | 'w' | 'h'>,
    landmarks: readonly Landmark[],
    timeSec: number,
  ): SafetyFinding[] {
    const findings: SafetyFinding[] = [];
    let state = this.poses.get(track.id);
    if (state === undefined) {
      state = { drop: new DroppedWeightRule(), seenAt: timeSec };
      this.poses.set(track.id, state);
    }
    state.seenAt = timeSec;
    for (const [id, other] of this.poses) if (timeSec - other.seenAt > 10) this.poses.delete(id);
    const history = this.tracks.get(track.id) ?? { standingHeight: track.h, raised: new Set<string>() };
    this.tracks.set(track.id, history);
    const zoneId = this.zones.find((z) => insidePolygon(footOf(track), z.polygon))?.id;

    const drop = state.drop.update(landmarks, timeSec);
    if (drop) {
      // A new drop is a new event: the per-track latch is for conditions that last (lying, sitting).
      history.raised.delete('weight_dropped');
      const finding = this.raise(history, 'weight_dropped', zoneId, track, timeSec);
      if (finding) findings.push(finding);
    }

    const torso = torsoFromVertical(landmarks);
    if (torso !== undefined) {
      const lying = torso.angle > 60;
      const still =
        state.lyingAt !== undefined &&
        Math.hypot(torso.hip.x - state.lyingAt.x, torso.hip.y - state.lyingAt.y) < 0.5 * torso.length;
      if (lying && (state.lyingSince === undefined || !still)) {
        state.lyingSince = timeSec;
        state.lyingAt = torso.hip;
      } else if (!lying) {
        state.lyingSince = undefined;
        state.lyingAt = undefined;
        history.raised.delete('possible_fall');
      }
      if (state.lyingSince !== undefined && timeSec - state.lyingSince >= this.lyingSec) {
        const finding = this.raise(history, 'possible_fall', undefined, track, timeSec);
        if (finding) findings.push(finding);
      }
    }
    return findings;
  }

  private raise(
    history: TrackHistory,
    rule: SafetyFinding['rule'],
    zoneId: string | undefined,
    track: Pick<TrackedPerson, 'id' | 'x' | 'y' | 'w' | 'h'>,
    timeSec: number,
  ): SafetyFinding | undefined {
    if (history.raised.has(rule)) return undefined;
    history.raised.add(rule);
    const key = `${rule}:${zoneId ?? '*'}`;
    const last = this.lastRaised.get(key);
    if (last !== undefined && timeSec - last < this.coolDownSec) return undefined;
    this.lastRaised.set(key, timeSec);
    const box = { x: track.x, y: track.y, w: track.w, h: track.h };
    return {
      rule,
      kind: rule === 'possible_fall' ? 'posture' : 'equipment_misuse',
      severity: rule === 'possible_fall' ? 'critical' : 'warning',
      trackId: track.id,
      ...(zoneId === undefined ? {} : { zoneId }),
      timeSec,
      box,
      title: TITLES[rule],
    };
  }
}

/**
 * Weights dropped: both wrists fall fast (over `minDrop` body heights in under `withinSec`), as when a
 * bar is let go instead of lowered. Works on one person's pose landmarks over time; returns the
 * finding once per drop (the wrists must rise again before another drop counts).
 */
export class DroppedWeightRule {
  private readonly samples: { t: number; y: number; body: number }[] = [];
  private armed = true;
  constructor(
    private readonly minDrop = 0.6,
    private readonly withinSec = 0.35,
  ) {}

  update(landmarks: readonly Landmark[] | undefined, timeSec: number): SafetyFinding | undefined {
    const lw = landmarks?.[LM.leftWrist];
    const rw = landmarks?.[LM.rightWrist];
    const ls = landmarks?.[LM.leftShoulder];
    const la = landmarks?.[LM.leftAnkle];
    if (!lw || !rw || !ls || !la) return undefined;
    if ([lw, rw, ls, la].some((l) => (l.visibility ?? 1) < MIN_VISIBILITY)) return undefined;
    const body = Math.max(0.05, Math.abs(la.y - ls.y));
    const y = (lw.y + rw.y) / 2;
    this.samples.push({ t: timeSec, y, body });
    while (this.samples.length > 0 && timeSec - (this.samples[0]?.t ?? timeSec) > this.withinSec)
      this.samples.shift();
    const highest = Math.min(...this.samples.map((s) => s.y));
    const drop = (y - highest) / body;
    if (!this.armed) {
      // Re-arm once the hands are back up (a new lift).
      if (y < ls.y + 0.2 * body) this.armed = true;
      return undefined;
    }
    if (drop >= this.minDrop) {
      this.armed = false;
      return {
        rule: 'weight_dropped',
        kind: 'equipment_misuse',
        severity: 'warning',
        timeSec,
        title: {
          'pt-BR': 'Peso largado: as mãos caíram de repente',
          en: 'Weight dropped: the hands fell suddenly',
        },
      };
    }
    return undefined;
  }
}
