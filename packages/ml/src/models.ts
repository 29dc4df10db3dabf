/**
 * The four model families, written here rather than taken from npm: the npm tree libraries
 * (ml-cart, ml-random-forest) have no histogram gradient boosting, do not expose covers for TreeSHAP
 * nor float32 thresholds for an exact ONNX export, and are far slower; ml-logistic-regression has no
 * L2 path. Each model gives a raw *score*: log-odds for logistic regression and boosting, a churn
 * rate for a tree or a forest. Calibration turns the score into a probability (see calibration.ts).
 */
import { applyBinner, fitBinner } from './binning.ts';
import { Rng } from './rng.ts';
import { type GrowParams, growTree, leafIndex, type Tree } from './tree.ts';

export type ModelKind = 'logistic' | 'tree' | 'forest' | 'hgb';

export const MODEL_LABELS: Record<ModelKind, string> = {
  logistic: 'Logistic regression',
  tree: 'Decision tree',
  forest: 'Random forest',
  hgb: 'Histogram gradient boosting',
};

/** Hyperparameters of every family (each uses its own). */
export interface ModelParams {
  /** Logistic: inverse L2 strength, as scikit-learn's C. */
  C?: number;
  maxDepth?: number;
  minSamplesLeaf?: number;
  maxLeaves?: number;
  /** Forest: trees. Boosting: iterations. */
  nEstimators?: number;
  /** Forest: features tried per split as a fraction of all (default sqrt(p)/p). */
  maxFeaturesFraction?: number;
  /** Histogram bins per feature (default 255 for boosting, 64 for trees and forests). */
  maxBins?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

export interface LinearScorer {
  kind: 'logistic';
  /** Weights on the raw (unstandardised) features. */
  weights: number[];
  bias: number;
  /** Training means, the baseline of exact linear SHAP. */
  means: number[];
}

export interface TreeScorer {
  kind: 'tree' | 'forest' | 'hgb';
  trees: Tree[];
  /** score = base + scale × Σ leaf values. */
  base: number;
  scale: number;
}

export type Scorer = LinearScorer | TreeScorer;

/** A fitted model: its family, parameters and the scorer. */
export interface FittedModel {
  kind: ModelKind;
  params: ModelParams;
  scorer: Scorer;
}

export function scoreRow(scorer: Scorer, x: ArrayLike<number>, offset = 0): number {
  if (scorer.kind === 'logistic') {
    let s = scorer.bias;
    for (let j = 0; j < scorer.weights.length; j++) {
      s += (scorer.weights[j] as number) * Math.fround(x[offset + j] as number);
    }
    return s;
  }
  let s = 0;
  for (const t of scorer.trees) s += t.value[leafIndex(t, x, offset)] as number;
  return scorer.base + scorer.scale * s;
}

export function scoreAll(scorer: Scorer, x: Float64Array, cols: number): Float64Array {
  const n = x.length / cols;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = scoreRow(scorer, x, i * cols);
  return out;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Uncalibrated probability: sigmoid of log-odds, or the churn rate itself. */
export function rawProbability(kind: ModelKind, score: number): number {
  return kind === 'logistic' || kind === 'hgb' ? sigmoid(score) : Math.min(1, Math.max(0, score));
}

export function fitModel(
  kind: ModelKind,
  x: Float64Array,
  y: Uint8Array,
  cols: number,
  params: ModelParams,
): FittedModel {
  switch (kind) {
    case 'logistic':
      return { kind, params, scorer: fitLogistic(x, y, cols, params.C ?? 1) };
    case 'tree':
      return { kind, params, scorer: fitForest(x, y, cols, { ...params, nEstimators: 1 }, false) };
    case 'forest':
      return { kind, params, scorer: fitForest(x, y, cols, params, true) };
    case 'hgb':
      return { kind, params, scorer: fitHgb(x, y, cols, params) };
  }
}

// ---------------------------------------------------------------------------------------------
// Logistic regression: Newton's method on standardised features, L2 on the weights (not the bias).

function fitLogistic(x: Float64Array, y: Uint8Array, cols: number, C: number): LinearScorer {
  const n = y.length;
  const means = new Array<number>(cols).fill(0);
  const sds = new Array<number>(cols).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < cols; j++) means[j] = (means[j] as number) + (x[i * cols + j] as number);
  for (let j = 0; j < cols; j++) means[j] = (means[j] as number) / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < cols; j++)
      sds[j] = (sds[j] as number) + ((x[i * cols + j] as number) - (means[j] as number)) ** 2;
  for (let j = 0; j < cols; j++) {
    const sd = Math.sqrt((sds[j] as number) / n);
    sds[j] = sd > 1e-12 ? sd : 1;
  }
  const d = cols + 1;
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++)
      z[i * d + j] = ((x[i * cols + j] as number) - (means[j] as number)) / (sds[j] as number);
    z[i * d + cols] = 1;
  }
  const beta = new Float64Array(d);
  const lambda = 1 / C;
  for (let iter = 0; iter < 100; iter++) {
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (z[i * d + j] as number) * (beta[j] as number);
      const p = sigmoid(s);
      const r = p - (y[i] as number);
      const wgt = Math.max(p * (1 - p), 1e-10);
      for (let a = 0; a < d; a++) {
        const za = z[i * d + a] as number;
        grad[a] = (grad[a] as number) + r * za;
        for (let b = a; b < d; b++)
          hess[a * d + b] = (hess[a * d + b] as number) + wgt * za * (z[i * d + b] as number);
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) hess[a * d + b] = hess[b * d + a] as number;
    for (let j = 0; j < cols; j++) {
      grad[j] = (grad[j] as number) + lambda * (beta[j] as number);
      hess[j * d + j] = (hess[j * d + j] as number) + lambda;
    }
    hess[cols * d + cols] = (hess[cols * d + cols] as number) + 1e-9;
    const step = solve(hess, grad, d);
    let change = 0;
    for (let j = 0; j < d; j++) {
      beta[j] = (beta[j] as number) - (step[j] as number);
      change = Math.max(change, Math.abs(step[j] as number));
    }
    if (change < 1e-9) break;
  }
  const weights = new Array<number>(cols);
  let bias = beta[cols] as number;
  for (let j = 0; j < cols; j++) {
    weights[j] = (beta[j] as number) / (sds[j] as number);
    bias -= ((beta[j] as number) * (means[j] as number)) / (sds[j] as number);
  }
  return { kind: 'logistic', weights, bias, means };
}

/** Solves A x = b (A symmetric positive definite, d×d) by Gaussian elimination with pivoting. */
function solve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const m = Float64Array.from(a);
  const v = Float64Array.from(b);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++)
      if (Math.abs(m[r * d + c] as number) > Math.abs(m[piv * d + c] as number)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < d; k++) {
        const t = m[c * d + k] as number;
        m[c * d + k] = m[piv * d + k] as number;
        m[piv * d + k] = t;
      }
      const t = v[c] as number;
      v[c] = v[piv] as number;
      v[piv] = t;
    }
    const diag = m[c * d + c] as number;
    if (Math.abs(diag) < 1e-14) continue;
    for (let r = c + 1; r < d; r++) {
      const f = (m[r * d + c] as number) / diag;
      if (f === 0) continue;
      for (let k = c; k < d; k++) m[r * d + k] = (m[r * d + k] as number) - f * (m[c * d + k] as number);
      v[r] = (v[r] as number) - f * (v[c] as number);
    }
  }
  const out = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let s = v[r] as number;
    for (let k = r + 1; k < d; k++) s -= (m[r * d + k] as number) * (out[k] as number);
    const diag = m[r * d + r] as number;
    out[r] = Math.abs(diag) < 1e-14 ? 0 : s / diag;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Trees and forests: CART leaves = churn rate in the leaf; a forest averages bootstrap trees.

function fitForest(
  x: Float64Array,
  y: Uint8Array,
  cols: number,
  params: ModelParams,
  bootstrap: boolean,
): TreeScorer {
  const n = y.length;
  const binner = fitBinner(x, n, cols, params.maxBins ?? 64);
  const binned = applyBinner(binner, x, n);
  const rng = new Rng(params.seed ?? 7);
  const trees: Tree[] = [];
  const count = params.nEstimators ?? 100;
  const maxFeatures = bootstrap
    ? Math.max(1, Math.round(cols * (params.maxFeaturesFraction ?? Math.sqrt(cols) / cols)))
    : undefined;
  const grow: GrowParams = {
    maxLeaves: params.maxLeaves ?? Number.POSITIVE_INFINITY,
    maxDepth: params.maxDepth ?? 64,
    minSamplesLeaf: params.minSamplesLeaf ?? 1,
    l2: 0,
    minHessian: 1e-9,
    minGain: 1e-12,
  };
  if (maxFeatures !== undefined) grow.maxFeatures = maxFeatures;
  for (let t = 0; t < count; t++) {
    const w = new Float64Array(n);
    if (bootstrap) {
      w.fill(0);
      for (let k = 0; k < n; k++) {
        const i = rng.int(n);
        w[i] = (w[i] as number) + 1;
      }
    } else w.fill(1);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    const rows: number[] = [];
    for (let i = 0; i < n; i++) {
      if ((w[i] as number) === 0) continue;
      g[i] = -(y[i] as number) * (w[i] as number);
      h[i] = w[i] as number;
      rows.push(i);
    }
    trees.push(growTree(binned, binner, Int32Array.from(rows), g, h, w, grow, rng));
  }
  return { kind: bootstrap ? 'forest' : 'tree', trees, base: 0, scale: 1 / trees.length };
}

// ---------------------------------------------------------------------------------------------
// Histogram gradient boosting on the logistic loss, as scikit-learn's HistGradientBoostingClassifier.

function fitHgb(x: Float64Array, y: Uint8Array, cols: number, params: ModelParams): TreeScorer {
  const n = y.length;
  const binner = fitBinner(x, n, cols, params.maxBins ?? 255);
  const binned = applyBinner(binner, x, n);
  const lr = params.learningRate ?? 0.1;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i] as number;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, pos / n));
  const base = Math.log(rate / (1 - rate));
  const f = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const trees: Tree[] = [];
  const grow: GrowParams = {
    maxLeaves: params.maxLeaves ?? 31,
    maxDepth: params.maxDepth ?? 64,
    minSamplesLeaf: params.minSamplesLeaf ?? 20,
    l2: params.l2 ?? 0,
    minHessian: 1e-3,
    minGain: 1e-9,
  };
  const index = new Int32Array(n);
  const leafOf = new Int32Array(n);
  const iterations = params.nEstimators ?? 100;
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(f[i] as number);
      g[i] = p - (y[i] as number);
      h[i] = p * (1 - p);
      index[i] = i;
    }
    const tree = growTree(binned, binner, index, g, h, undefined, grow, undefined, leafOf);
    if (tree.feature.length === 1) break;
    for (let k = 0; k < tree.value.length; k++) tree.value[k] = Math.fround((tree.value[k] as number) * lr);
    for (let k = 0; k < n; k++) {
      const i = index[k] as number;
      f[i] = (f[i] as number) + (tree.value[leafOf[k] as number] as number);
    }
    trees.push(tree);
  }
  return { kind: 'hgb', trees, base, scale: 1 };
}
