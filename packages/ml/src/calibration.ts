/**
 * Calibration. Platt scaling (a logistic fit on the model's score) is what ships: it folds exactly
 * into the exported model (scaled weights or leaf values plus a bias), so the ONNX file *is* the
 * calibrated model. Isotonic regression is fitted too, and its Brier score is reported beside Platt's.
 */
import { type Scorer, sigmoid } from './models.ts';
import type { Tree } from './tree.ts';

export interface Platt {
  a: number;
  b: number;
}

/** Fits p = sigmoid(a·s + b) on held-out scores by Newton's method, with Platt's smoothed targets. */
export function fitPlatt(score: ArrayLike<number>, y: ArrayLike<number>): Platt {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] as number;
  const neg = y.length - pos;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const loss = (a: number, b: number): number => {
    let l = 0;
    for (let i = 0; i < y.length; i++) {
      const z = a * (score[i] as number) + b;
      const t = (y[i] as number) === 1 ? hi : lo;
      // log(1 + e^z) - t·z, computed stably
      l += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
    }
    return l;
  };
  let a = 0;
  let b = Math.log((pos + 1) / (neg + 1));
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < y.length; i++) {
      const s = score[i] as number;
      const t = (y[i] as number) === 1 ? hi : lo;
      const p = sigmoid(a * s + b);
      const r = p - t;
      const w = p * (1 - p);
      ga += r * s;
      gb += r;
      haa += w * s * s;
      hab += w * s;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-18) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Backtracking: Newton's full step can overshoot on over-confident scores.
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current && step > 1e-8) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    const gained = current - next;
    current = next;
    if (gained < 1e-12 * Math.max(1, Math.abs(current))) break;
  }
  return { a, b };
}

/** Isotonic regression by pool-adjacent-violators: a step function from score to probability. */
export interface Isotonic {
  /** Upper score of each block, ascending. */
  x: number[];
  y: number[];
}

export function fitIsotonic(score: ArrayLike<number>, y: ArrayLike<number>): Isotonic {
  const order = Array.from({ length: y.length }, (_, i) => i).sort(
    (i, j) => (score[i] as number) - (score[j] as number),
  );
  const blocks: { sum: number; n: number; hiX: number }[] = [];
  for (const i of order) {
    blocks.push({ sum: y[i] as number, n: 1, hiX: score[i] as number });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1] as { sum: number; n: number; hiX: number };
      const prev = blocks[blocks.length - 2] as { sum: number; n: number; hiX: number };
      if (prev.sum / prev.n <= last.sum / last.n) break;
      prev.sum += last.sum;
      prev.n += last.n;
      prev.hiX = last.hiX;
      blocks.pop();
    }
  }
  return { x: blocks.map((b) => b.hiX), y: blocks.map((b) => b.sum / b.n) };
}

export function applyIsotonic(iso: Isotonic, s: number): number {
  let lo = 0;
  let hi = iso.x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((iso.x[mid] as number) < s) lo = mid + 1;
    else hi = mid;
  }
  return iso.y[lo] as number;
}

/**
 * The deployable model: calibrated log-odds as a sum, in float32 numbers, so that in-process scoring
 * and onnxruntime compute the same thing. probability = sigmoid(margin).
 */
export type CompiledModel =
  | { kind: 'linear'; weights: number[]; bias: number; means: number[] }
  | { kind: 'trees'; trees: Tree[]; base: number };

export function compile(scorer: Scorer, platt: Platt): CompiledModel {
  const f = Math.fround;
  if (scorer.kind === 'logistic') {
    return {
      kind: 'linear',
      weights: scorer.weights.map((w) => f(platt.a * w)),
      bias: f(platt.a * scorer.bias + platt.b),
      means: scorer.means.slice(),
    };
  }
  const k = platt.a * scorer.scale;
  // Each tree's leaves are centred on their mean and the means move to the base: the sum is the same,
  // and leaf weights of both signs make onnxruntime pick its label at margin 0 (probability 0.5).
  let base = platt.a * scorer.base + platt.b;
  const trees = scorer.trees.map((t) => {
    const leaves = t.value.filter((_, j) => (t.left[j] as number) === -1);
    const mean = f(leaves.reduce((s, v) => s + k * v, 0) / Math.max(1, leaves.length));
    base += mean;
    return { ...t, value: t.value.map((v) => f(f(k * v) - mean)) };
  });
  return { kind: 'trees', trees, base: f(base) };
}

/** Calibrated log-odds of one row. */
export function compiledMargin(model: CompiledModel, x: ArrayLike<number>, offset = 0): number {
  if (model.kind === 'linear') {
    let s = model.bias;
    for (let j = 0; j < model.weights.length; j++)
      s += (model.weights[j] as number) * Math.fround(x[offset + j] as number);
    return s;
  }
  let s = model.base;
  for (const t of model.trees) {
    let node = 0;
    while ((t.left[node] as number) !== -1) {
      const v = Math.fround(x[offset + (t.feature[node] as number)] as number);
      node = v <= (t.threshold[node] as number) ? (t.left[node] as number) : (t.right[node] as number);
    }
    s += t.value[node] as number;
  }
  return s;
}

/** Calibrated churn probability of one row. */
export function compiledProbability(model: CompiledModel, x: ArrayLike<number>, offset = 0): number {
  return sigmoid(compiledMargin(model, x, offset));
}
