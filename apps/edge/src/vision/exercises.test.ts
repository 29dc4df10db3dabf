import { describe, expect, it } from 'vitest';
import { angleAt, type Exercise, FEEDBACK_TEXT, type Landmark, LM, RepCounter } from './exercises.ts';

/** A seeded normal PRNG (Box-Muller over mulberry32), so noisy sequences are the same on every run. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

type Vec = { x: number; y: number };
/** Rotates unit vector u by `deg` degrees (the angle between u and the result is exactly `deg`). */
function rot(u: Vec, deg: number, side = 1): Vec {
  const t = (deg * Math.PI) / 180;
  return { x: u.x * Math.cos(t) - side * u.y * Math.sin(t), y: side * u.x * Math.sin(t) + u.y * Math.cos(t) };
}
const add = (p: Vec, u: Vec, l: number): Vec => ({ x: p.x + u.x * l, y: p.y + u.y * l });
const unit = (from: Vec, to: Vec): Vec => {
  const n = Math.hypot(to.x - from.x, to.y - from.y);
  return { x: (to.x - from.x) / n, y: (to.y - from.y) / n };
};

interface PoseSpec {
  knee?: number;
  /** Shoulder-hip-knee angle; default: torso upright. */
  hip?: number;
  elbow?: number;
  /** Arms hanging (curl) or raised (press). */
  arms?: 'down' | 'up';
  /** Knee gap as a fraction of the ankle gap (frontal view); default 1. */
  kneeGap?: number;
}

/** A BlazePose-shaped skeleton (33 landmarks) with the given joint angles, both sides alike. */
function pose(spec: PoseSpec): Landmark[] {
  const out: Landmark[] = Array.from({ length: 33 }, () => ({ x: 0.5, y: 0.2, visibility: 1 }));
  for (const side of [-1, 1] as const) {
    const ankle = { x: 0.5 + side * 0.08, y: 0.92 };
    const knee = { x: 0.5 + side * 0.08 * (spec.kneeGap ?? 1), y: 0.74 };
    const hip = add(knee, rot(unit(knee, ankle), spec.knee ?? 178, side), 0.18);
    const shoulder =
      spec.hip === undefined
        ? { x: hip.x, y: hip.y - 0.22 }
        : add(hip, rot(unit(hip, knee), spec.hip, side), 0.22);
    const torso = unit(hip, shoulder);
    const ear = add(shoulder, torso, 0.06);
    const armDir = spec.arms === 'up' ? { x: side, y: 0 } : { x: 0, y: 1 };
    const elbow = add(shoulder, armDir, 0.12);
    const wrist = add(elbow, rot(unit(elbow, shoulder), spec.elbow ?? 175, side), 0.12);
    const l = side < 0;
    out[l ? LM.leftAnkle : LM.rightAnkle] = { ...ankle, visibility: 1 };
    out[l ? LM.leftKnee : LM.rightKnee] = { ...knee, visibility: 1 };
    out[l ? LM.leftHip : LM.rightHip] = { ...hip, visibility: 1 };
    out[l ? LM.leftShoulder : LM.rightShoulder] = { ...shoulder, visibility: 1 };
    out[l ? LM.leftEar : LM.rightEar] = { ...ear, visibility: 1 };
    out[l ? LM.leftElbow : LM.rightElbow] = { ...elbow, visibility: 1 };
    out[l ? LM.leftWrist : LM.rightWrist] = { ...wrist, visibility: 1 };
  }
  return out;
}

function jitter(landmarks: Landmark[], noise: () => number, sd: number): Landmark[] {
  return landmarks.map((l) => ({ ...l, x: l.x + noise() * sd, y: l.y + noise() * sd }));
}

const FPS = 30;
/** Angle trajectory: `hold` frames at rest, then reps that go from rest to bottom and back (cosine). */
function trajectory(rest: number, bottom: number, reps: number, repSec: number, hold = 15): number[] {
  const values: number[] = Array.from({ length: hold }, () => rest);
  const frames = Math.round(repSec * FPS);
  for (let r = 0; r < reps; r++) {
    for (let f = 0; f < frames; f++)
      values.push(rest + ((bottom - rest) * (1 - Math.cos((2 * Math.PI * f) / frames))) / 2);
    for (let f = 0; f < 10; f++) values.push(rest);
  }
  return values;
}

function run(
  exercise: Exercise,
  frames: readonly (Landmark[] | undefined)[],
): { counter: RepCounter; feedback: Set<string> } {
  const counter = new RepCounter(exercise);
  frames.forEach((landmarks, i) => {
    counter.update(landmarks, i / FPS);
  });
  return { counter, feedback: new Set(counter.reps.flatMap((r) => r.feedback)) };
}

const squat = (knee: number, extra: PoseSpec = {}) => pose({ knee, ...extra });

describe('joint angles', () => {
  it('measures the angle at the middle point', () => {
    expect(angleAt({ x: 0, y: 0 }, { x: 0, y: 1 }, { x: 1, y: 1 })).toBeCloseTo(90, 5);
    const p = pose({ knee: 95 });
    expect(
      angleAt(p[LM.leftHip] as Landmark, p[LM.leftKnee] as Landmark, p[LM.leftAnkle] as Landmark),
    ).toBeCloseTo(95, 5);
  });
});

describe('RepCounter: squat', () => {
  it('counts five clean reps as five, with no feedback', () => {
    const { counter, feedback } = run(
      'squat',
      trajectory(175, 80, 5, 2).map((k) => squat(k)),
    );
    expect(counter.count).toBe(5);
    expect([...feedback]).toEqual([]);
  });

  it('counts five noisy reps (landmark jitter ≈ 3-4° per angle) as exactly five', () => {
    const noise = gaussian(7);
    const { counter } = run(
      'squat',
      trajectory(175, 80, 5, 2).map((k) => jitter(squat(k), noise, 0.006)),
    );
    expect(counter.count).toBe(5);
  });

  it('does not oscillate when the angle hovers at the bottom threshold or at the start threshold', () => {
    const frames: Landmark[][] = [];
    for (let i = 0; i < 20; i++) frames.push(squat(175));
    for (let k = 175; k > 100; k -= 3) frames.push(squat(k));
    for (let i = 0; i < 60; i++) frames.push(squat(100 + 4 * Math.sin(i))); // hovering at the bottom
    for (let k = 100; k <= 175; k += 3) frames.push(squat(k));
    for (let i = 0; i < 60; i++) frames.push(squat(160 + 4 * Math.sin(i))); // hovering at the top threshold
    expect(run('squat', frames).counter.count).toBe(1);
  });

  it('counts nothing during set-up: entering the frame crouched and standing up is not a rep', () => {
    const frames: (Landmark[] | undefined)[] = [];
    for (let i = 0; i < 20; i++) frames.push(undefined); // nobody yet
    const hidden = squat(90).map((l, i) => (i >= LM.leftHip ? { ...l, visibility: 0.1 } : l));
    for (let i = 0; i < 20; i++) frames.push(hidden); // legs out of frame
    for (let i = 0; i < 20; i++) frames.push(squat(90)); // crouched, adjusting the bar
    for (let k = 90; k <= 175; k += 5) frames.push(squat(k)); // stands up: the start pose
    for (const k of trajectory(175, 85, 3, 2)) frames.push(squat(k));
    const { counter } = run('squat', frames);
    expect(counter.count).toBe(3);
  });

  it('keeps counting through occlusion: landmarks missing for a third of a second mid-rep', () => {
    const frames: (Landmark[] | undefined)[] = trajectory(175, 80, 4, 2).map((k) => squat(k));
    for (let rep = 0; rep < 4; rep++) {
      const start = 15 + rep * 70 + 20;
      for (let f = start; f < start + 10; f++) frames[f] = undefined;
    }
    expect(run('squat', frames).counter.count).toBe(4);
  });

  it('refuses partial reps and says why', () => {
    const frames = [...trajectory(175, 80, 2, 2), ...trajectory(175, 125, 2, 2, 5)].map((k) => squat(k));
    const { counter } = run('squat', frames);
    expect(counter.count).toBe(2);
    expect(counter.reps.filter((r) => !r.counted).every((r) => r.feedback.includes('partial_range'))).toBe(
      true,
    );
    expect(counter.reps).toHaveLength(4);
  });

  it('flags reps that are too fast, and knees caving in at the bottom', () => {
    const fast = run(
      'squat',
      trajectory(175, 80, 3, 0.5).map((k) => squat(k)),
    );
    expect(fast.counter.count).toBe(3);
    expect(fast.feedback.has('too_fast')).toBe(true);
    const caving = run(
      'squat',
      trajectory(175, 80, 3, 2).map((k) => squat(k, { kneeGap: k < 120 ? 0.5 : 1 })),
    );
    expect(caving.counter.count).toBe(3);
    expect(caving.feedback.has('knees_caving')).toBe(true);
    expect(caving.feedback.has('too_fast')).toBe(false);
  });
});

describe('RepCounter: the exercise library', () => {
  const cases: [Exercise, (v: number) => Landmark[], number, number][] = [
    ['push_up', (v) => pose({ elbow: v }), 170, 80],
    ['lunge', (v) => pose({ knee: v }), 175, 90],
    ['biceps_curl', (v) => pose({ elbow: v, arms: 'down' }), 170, 40],
    ['shoulder_press', (v) => pose({ elbow: v, arms: 'up' }), 80, 172],
    ['deadlift', (v) => pose({ hip: v }), 178, 95],
  ];
  it.each(cases)('%s: three noisy reps count as three', (exercise, build, rest, bottom) => {
    const noise = gaussian(11);
    const frames = trajectory(rest, bottom, 3, 2).map((v) => jitter(build(v), noise, 0.004));
    expect(run(exercise, frames).counter.count).toBe(3);
  });

  it('has feedback in pt-BR and English for every code', () => {
    for (const text of Object.values(FEEDBACK_TEXT)) {
      expect(text['pt-BR'].length).toBeGreaterThan(10);
      expect(text.en.length).toBeGreaterThan(10);
      expect(text['pt-BR']).not.toBe(text.en);
    }
  });

  it('flags upper-back rounding on a deadlift', () => {
    const frames = trajectory(178, 95, 2, 2).map((v) => {
      const p = pose({ hip: v });
      if (v < 130) {
        // Head dropped forward and down of the torso line.
        const s = p[LM.leftShoulder] as Landmark;
        p[LM.leftEar] = { x: s.x + 0.06, y: s.y + 0.05, visibility: 1 };
        p[LM.rightEar] = {
          x: (p[LM.rightShoulder] as Landmark).x + 0.06,
          y: (p[LM.rightShoulder] as Landmark).y + 0.05,
          visibility: 1,
        };
      }
      return p;
    });
    const { counter, feedback } = run('deadlift', frames);
    expect(counter.count).toBe(2);
    expect(feedback.has('back_rounding')).toBe(true);
  });
});
