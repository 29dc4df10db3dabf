import { z } from 'zod';

/** One body landmark from a pose model (MediaPipe BlazePose order), normalised image coordinates. */
export interface Landmark {
  readonly x: number;
  readonly y: number;
  readonly z?: number;
  /** 0-1; below {@link MIN_VISIBILITY} the landmark is treated as not seen. */
  readonly visibility?: number;
}

/** BlazePose landmark indices used by the exercise rules. */
export const LM = {
  nose: 0,
  leftEar: 7,
  rightEar: 8,
  leftShoulder: 11,
  rightShoulder: 12,
  leftElbow: 13,
  rightElbow: 14,
  leftWrist: 15,
  rightWrist: 16,
  leftHip: 23,
  rightHip: 24,
  leftKnee: 25,
  rightKnee: 26,
  leftAnkle: 27,
  rightAnkle: 28,
} as const;

export const MIN_VISIBILITY = 0.5;

export const EXERCISES = ['squat', 'push_up', 'lunge', 'biceps_curl', 'shoulder_press', 'deadlift'] as const;
export const Exercise = z.enum(EXERCISES);
export type Exercise = z.infer<typeof Exercise>;

/** What the coach says. Codes are stable (they sync in counts); the words come from {@link FEEDBACK_TEXT}. */
export type FeedbackCode = 'knees_caving' | 'back_rounding' | 'partial_range' | 'too_fast';

export const FEEDBACK_TEXT: Record<FeedbackCode, { readonly 'pt-BR': string; readonly en: string }> = {
  knees_caving: {
    'pt-BR': 'Joelhos para dentro: empurre os joelhos para fora, na linha dos pés.',
    en: 'Knees caving in: push your knees out, in line with your toes.',
  },
  back_rounding: {
    'pt-BR': 'Costas arredondadas ou tronco muito inclinado: peito aberto, coluna neutra.',
    en: 'Back rounding or leaning too far: chest up, keep a neutral spine.',
  },
  partial_range: {
    'pt-BR': 'Amplitude incompleta: essa repetição não contou. Vá até o fim do movimento.',
    en: 'Partial range: that rep did not count. Go through the full range of motion.',
  },
  too_fast: {
    'pt-BR': 'Muito rápido: controle a descida e a subida.',
    en: 'Too fast: control the movement down and up.',
  },
};

export type Language = 'pt-BR' | 'en';

/** Angle ABC in degrees (at B), in the image plane. */
export function angleAt(a: Landmark, b: Landmark, c: Landmark): number {
  const v1x = a.x - b.x;
  const v1y = a.y - b.y;
  const v2x = c.x - b.x;
  const v2y = c.y - b.y;
  const n = Math.hypot(v1x, v1y) * Math.hypot(v2x, v2y);
  if (n === 0) return 180;
  const cos = Math.max(-1, Math.min(1, (v1x * v2x + v1y * v2y) / n));
  return (Math.acos(cos) * 180) / Math.PI;
}

function seen(landmarks: readonly Landmark[], index: number): Landmark | undefined {
  const l = landmarks[index];
  if (l === undefined || (l.visibility ?? 1) < MIN_VISIBILITY) return undefined;
  if (l.x < -0.02 || l.x > 1.02 || l.y < -0.02 || l.y > 1.02) return undefined;
  return l;
}

/** Mean of an angle measured on the left and right side, using whichever sides are visible. */
function bilateral(
  landmarks: readonly Landmark[],
  left: [number, number, number],
  right: [number, number, number],
  pick: 'mean' | 'min' = 'mean',
): number | undefined {
  const values: number[] = [];
  for (const [a, b, c] of [left, right]) {
    const pa = seen(landmarks, a);
    const pb = seen(landmarks, b);
    const pc = seen(landmarks, c);
    if (pa && pb && pc) values.push(angleAt(pa, pb, pc));
  }
  if (values.length === 0) return undefined;
  return pick === 'min' ? Math.min(...values) : values.reduce((s, v) => s + v, 0) / values.length;
}

const KNEE_L: [number, number, number] = [LM.leftHip, LM.leftKnee, LM.leftAnkle];
const KNEE_R: [number, number, number] = [LM.rightHip, LM.rightKnee, LM.rightAnkle];
const ELBOW_L: [number, number, number] = [LM.leftShoulder, LM.leftElbow, LM.leftWrist];
const ELBOW_R: [number, number, number] = [LM.rightShoulder, LM.rightElbow, LM.rightWrist];
const HIP_L: [number, number, number] = [LM.leftShoulder, LM.leftHip, LM.leftKnee];
const HIP_R: [number, number, number] = [LM.rightShoulder, LM.rightHip, LM.rightKnee];

/** Forward lean of the torso from vertical, in degrees (0 = upright), from the visible side(s). */
export function torsoLean(landmarks: readonly Landmark[]): number | undefined {
  const values: number[] = [];
  for (const [s, h] of [
    [LM.leftShoulder, LM.leftHip],
    [LM.rightShoulder, LM.rightHip],
  ] as const) {
    const ps = seen(landmarks, s);
    const ph = seen(landmarks, h);
    if (ps && ph) values.push((Math.atan2(Math.abs(ps.x - ph.x), Math.abs(ph.y - ps.y)) * 180) / Math.PI);
  }
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Knees closer together than the ankles (frontal view): ratio of knee gap to ankle gap. */
export function kneeToAnkleRatio(landmarks: readonly Landmark[]): number | undefined {
  const lk = seen(landmarks, LM.leftKnee);
  const rk = seen(landmarks, LM.rightKnee);
  const la = seen(landmarks, LM.leftAnkle);
  const ra = seen(landmarks, LM.rightAnkle);
  if (!lk || !rk || !la || !ra) return undefined;
  const ankles = Math.abs(la.x - ra.x);
  // Side view (ankles overlap): the test means nothing.
  if (ankles < 0.04) return undefined;
  return Math.abs(lk.x - rk.x) / ankles;
}

/** How one exercise is measured and judged. */
export interface ExerciseRule {
  /** The joint angle the rep is made of (degrees), or undefined when the joints are not seen. */
  readonly metric: (landmarks: readonly Landmark[]) => number | undefined;
  /** The start pose: metric at or past `rest` (in the direction away from `peak`). */
  readonly rest: number;
  /** The bottom (or top) of a full rep. */
  readonly peak: number;
  /** Past this, the person has started a rep (a turn back before `peak` is a partial rep). */
  readonly partial: number;
  /** Landmarks that must be seen for the body to count as in frame. */
  readonly required: readonly number[];
  /** Form checks run on every frame of a rep; each returns a code when the form breaks. */
  readonly checks: readonly ((landmarks: readonly Landmark[], metric: number) => FeedbackCode | undefined)[];
}

const LEGS = [LM.leftHip, LM.rightHip, LM.leftKnee, LM.rightKnee, LM.leftAnkle, LM.rightAnkle];
const ARMS = [LM.leftShoulder, LM.rightShoulder, LM.leftElbow, LM.rightElbow, LM.leftWrist, LM.rightWrist];

const kneesCaving = (landmarks: readonly Landmark[], metric: number): FeedbackCode | undefined => {
  if (metric > 140) return undefined;
  const ratio = kneeToAnkleRatio(landmarks);
  return ratio !== undefined && ratio < 0.7 ? 'knees_caving' : undefined;
};
const leaning =
  (maxLean: number) =>
  (landmarks: readonly Landmark[]): FeedbackCode | undefined => {
    const lean = torsoLean(landmarks);
    return lean !== undefined && lean > maxLean ? 'back_rounding' : undefined;
  };
/** Upper back rounding: the head drops forward of the shoulder-hip line (ear-shoulder-hip angle closes). */
const upperBackRounding = (landmarks: readonly Landmark[]): FeedbackCode | undefined => {
  const angle = bilateral(
    landmarks,
    [LM.leftEar, LM.leftShoulder, LM.leftHip],
    [LM.rightEar, LM.rightShoulder, LM.rightHip],
  );
  return angle !== undefined && angle < 135 ? 'back_rounding' : undefined;
};
/** Push-up: hips sagging or piking (shoulder-hip-ankle far from a straight line). */
const bodyLine = (landmarks: readonly Landmark[]): FeedbackCode | undefined => {
  const angle = bilateral(
    landmarks,
    [LM.leftShoulder, LM.leftHip, LM.leftAnkle],
    [LM.rightShoulder, LM.rightHip, LM.rightAnkle],
  );
  return angle !== undefined && angle < 155 ? 'back_rounding' : undefined;
};

/** The exercise library: thresholds in degrees of the rep's joint angle. */
export const EXERCISE_RULES: Record<Exercise, ExerciseRule> = {
  squat: {
    metric: (l) => bilateral(l, KNEE_L, KNEE_R),
    rest: 160,
    peak: 100,
    partial: 140,
    required: [LM.leftShoulder, LM.rightShoulder, ...LEGS],
    checks: [kneesCaving, leaning(55)],
  },
  push_up: {
    metric: (l) => bilateral(l, ELBOW_L, ELBOW_R),
    rest: 155,
    peak: 95,
    partial: 135,
    required: [...ARMS, LM.leftHip, LM.rightHip],
    checks: [bodyLine],
  },
  lunge: {
    metric: (l) => bilateral(l, KNEE_L, KNEE_R, 'min'),
    rest: 160,
    peak: 105,
    partial: 140,
    required: [LM.leftShoulder, LM.rightShoulder, ...LEGS],
    checks: [kneesCaving, leaning(35)],
  },
  biceps_curl: {
    metric: (l) => bilateral(l, ELBOW_L, ELBOW_R),
    rest: 150,
    peak: 60,
    partial: 120,
    required: ARMS,
    checks: [leaning(20)],
  },
  shoulder_press: {
    // The rep opens the elbow: rest is the rack (elbows bent), peak is arms locked overhead.
    metric: (l) => bilateral(l, ELBOW_L, ELBOW_R),
    rest: 95,
    peak: 155,
    partial: 120,
    required: ARMS,
    checks: [leaning(20)],
  },
  deadlift: {
    metric: (l) => bilateral(l, HIP_L, HIP_R),
    rest: 165,
    peak: 110,
    partial: 145,
    required: [LM.leftShoulder, LM.rightShoulder, ...LEGS],
    checks: [upperBackRounding],
  },
};

/** One counted (or refused) repetition. */
export interface Rep {
  readonly index: number;
  readonly startSec: number;
  readonly endSec: number;
  /** The deepest (or highest) value of the rep's angle. */
  readonly peakAngle: number;
  readonly counted: boolean;
  readonly feedback: readonly FeedbackCode[];
}

export type RepPhase = 'setup' | 'rest' | 'moving' | 'peak';

export interface RepCounterOptions {
  /** Frames in the start pose, in frame, before counting starts; default 5. */
  readonly settleFrames?: number;
  /** A full rep faster than this is counted but flagged `too_fast`; default 0.8 s. */
  readonly minRepSec?: number;
  /** Smoothing: median of this many frames; default 3. */
  readonly window?: number;
}

/**
 * Counts repetitions of one exercise from pose landmarks, frame by frame. A state machine with
 * hysteresis (rest and peak thresholds far apart, median-smoothed angle), counting only after the body
 * is in frame and has held the start pose; frames where the body is not seen change nothing.
 */
export class RepCounter {
  readonly rule: ExerciseRule;
  phase: RepPhase = 'setup';
  count = 0;
  readonly reps: Rep[] = [];
  private settled = 0;
  private readonly history: number[] = [];
  private repStart = 0;
  private extreme = 0;
  private feedback = new Set<FeedbackCode>();
  private readonly settleFrames: number;
  private readonly minRepSec: number;
  private readonly window: number;
  private readonly sign: number;

  constructor(
    readonly exercise: Exercise,
    options: RepCounterOptions = {},
  ) {
    this.rule = EXERCISE_RULES[exercise];
    this.settleFrames = options.settleFrames ?? 5;
    this.minRepSec = options.minRepSec ?? 0.8;
    this.window = options.window ?? 3;
    // sign = +1 when the angle falls during a rep (squat), -1 when it rises (press).
    this.sign = this.rule.rest > this.rule.peak ? 1 : -1;
  }

  /** Whether the required landmarks are all seen. */
  inFrame(landmarks: readonly Landmark[] | undefined): boolean {
    return landmarks !== undefined && this.rule.required.every((i) => seen(landmarks, i) !== undefined);
  }

  /** Feeds one frame; returns the rep finished on this frame, if any. */
  update(landmarks: readonly Landmark[] | undefined, timeSec: number): Rep | undefined {
    if (landmarks === undefined || !this.inFrame(landmarks)) {
      if (this.phase === 'setup') this.settled = 0;
      return undefined;
    }
    const raw = this.rule.metric(landmarks);
    if (raw === undefined) return undefined;
    this.history.push(raw);
    if (this.history.length > this.window) this.history.shift();
    const value = [...this.history].sort((a, b) => a - b)[Math.floor(this.history.length / 2)] ?? raw;
    // depth > 0 means "further into the rep than the threshold".
    const past = (threshold: number) => this.sign * (threshold - value) >= 0;
    const atRest = !past(this.rule.rest) || value === this.rule.rest;

    switch (this.phase) {
      case 'setup':
        this.settled = atRest ? this.settled + 1 : 0;
        if (this.settled >= this.settleFrames) this.phase = 'rest';
        return undefined;
      case 'rest':
        if (past(this.rule.partial)) {
          this.phase = 'moving';
          this.repStart = timeSec;
          this.extreme = value;
          this.feedback = new Set();
          this.check(landmarks, value);
        }
        return undefined;
      case 'moving':
      case 'peak': {
        if (this.sign * (this.extreme - value) > 0) this.extreme = value;
        this.check(landmarks, value);
        if (past(this.rule.peak)) this.phase = 'peak';
        if (!atRest) return undefined;
        const counted = this.phase === 'peak';
        if (!counted) this.feedback.add('partial_range');
        else if (timeSec - this.repStart < this.minRepSec) this.feedback.add('too_fast');
        if (counted) this.count += 1;
        const rep: Rep = {
          index: this.reps.length + 1,
          startSec: round(this.repStart),
          endSec: round(timeSec),
          peakAngle: Math.round(this.extreme),
          counted,
          feedback: [...this.feedback],
        };
        this.reps.push(rep);
        this.phase = 'rest';
        return rep;
      }
    }
  }

  private check(landmarks: readonly Landmark[], value: number): void {
    for (const check of this.rule.checks) {
      const code = check(landmarks, value);
      if (code) this.feedback.add(code);
    }
  }
}

/** Feedback for a person, in their language. */
export function feedbackText(code: FeedbackCode, language: Language = 'pt-BR'): string {
  return FEEDBACK_TEXT[code][language];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
