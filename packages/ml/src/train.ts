/**
 * Model comparison: stratified k-fold cross-validated grid search per family, Platt calibration on
 * the out-of-fold scores, evaluation on a held-out (time-based where the data allows) test set, and
 * the champion rule.
 */
import {
  applyIsotonic,
  type CompiledModel,
  compile,
  compiledProbability,
  fitIsotonic,
  fitPlatt,
  type Platt,
} from './calibration.ts';
import type { Dataset } from './dataset.ts';
import { subset } from './dataset.ts';
import { type BinaryMetrics, binaryMetrics, rocAuc } from './metrics.ts';
import {
  type FittedModel,
  fitModel,
  MODEL_LABELS,
  type ModelKind,
  type ModelParams,
  rawProbability,
  scoreAll,
  sigmoid,
} from './models.ts';
import { Rng } from './rng.ts';

/** Simplest first: the order the champion rule prefers among near-ties. */
export const MODEL_KINDS: readonly ModelKind[] = ['logistic', 'tree', 'hgb', 'forest'];

/** The margin within which a simpler model beats a better-scoring one. */
export const CHAMPION_MARGIN = 0.005;

export const CHAMPION_RULE =
  `Highest mean cross-validated ROC AUC on the training data; a simpler model (logistic < tree < boosting < forest) ` +
  `whose AUC is within ${CHAMPION_MARGIN} of the best wins; the test set is never used to choose.`;

export const CHAMPION_RULE_PT =
  `Maior ROC AUC média na validação cruzada dos dados de treino; um modelo mais simples (logística < árvore < boosting < floresta) ` +
  `a até ${CHAMPION_MARGIN} do melhor vence; o conjunto de teste nunca é usado para escolher.`;

export type Grid = Record<ModelKind, ModelParams[]>;

/** Grids sized for a few thousand rows on a shared 2-core machine. */
export const DEFAULT_GRID: Grid = {
  logistic: [{ C: 0.01 }, { C: 0.1 }, { C: 1 }, { C: 10 }],
  tree: [
    { maxDepth: 3, minSamplesLeaf: 20 },
    { maxDepth: 5, minSamplesLeaf: 20 },
    { maxDepth: 8, minSamplesLeaf: 10 },
  ],
  hgb: [
    { learningRate: 0.1, nEstimators: 100, maxLeaves: 15, minSamplesLeaf: 20 },
    { learningRate: 0.1, nEstimators: 200, maxLeaves: 31, minSamplesLeaf: 20 },
    { learningRate: 0.05, nEstimators: 300, maxLeaves: 15, minSamplesLeaf: 20, l2: 1 },
  ],
  forest: [
    { nEstimators: 100, minSamplesLeaf: 2 },
    { nEstimators: 100, minSamplesLeaf: 8 },
  ],
};

/** A one-point grid per family, for tests and quick runs. */
export const QUICK_GRID: Grid = {
  logistic: [{ C: 1 }],
  tree: [{ maxDepth: 5, minSamplesLeaf: 20 }],
  hgb: [{ learningRate: 0.1, nEstimators: 60, maxLeaves: 15, minSamplesLeaf: 20 }],
  forest: [{ nEstimators: 40, minSamplesLeaf: 3 }],
};

export interface GridPoint {
  params: ModelParams;
  cvRocAuc: number;
}

export interface ModelResult {
  kind: ModelKind;
  label: string;
  params: ModelParams;
  grid: GridPoint[];
  cvRocAuc: number;
  cvRocAucStd: number;
  /** Held-out metrics of the calibrated probabilities. */
  test: BinaryMetrics;
  /** Held-out metrics before calibration. */
  testRaw: BinaryMetrics;
  platt: Platt;
  /** Out-of-fold Brier score with Platt and with isotonic calibration. */
  oofBrierPlatt: number;
  oofBrierIsotonic: number;
  /** Seconds to fit the final model once. */
  fitSeconds: number;
  /** Seconds for the whole search (every fold of every grid point). */
  searchSeconds: number;
}

export interface TrainResult {
  results: ModelResult[];
  champion: ModelKind;
  rule: string;
  fitted: FittedModel;
  compiled: CompiledModel;
  /** Calibrated test probabilities of the champion, row by row of the test set. */
  testProbabilities: Float64Array;
  /** Calibrated test probabilities of every family, for the comparison curves. */
  allTestProbabilities: Partial<Record<ModelKind, Float64Array>>;
}

export interface TrainOptions {
  kinds?: readonly ModelKind[];
  grid?: Grid;
  folds?: number;
  seed?: number;
  onProgress?: (message: string) => void;
}

/** Fold number of every row, stratified by label. */
export function stratifiedFolds(y: Uint8Array, k: number, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  const fold = new Uint8Array(y.length);
  for (const label of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === label) rows.push(i);
    rng.shuffle(rows);
    rows.forEach((r, k2) => {
      fold[r] = k2 % k;
    });
  }
  return fold;
}

/** Out-of-fold raw scores of one parameter set. */
export function crossValidate(
  d: Dataset,
  kind: ModelKind,
  params: ModelParams,
  fold: Uint8Array,
  k: number,
): { oof: Float64Array; aucs: number[] } {
  return runSteps(crossValidateSteps(d, kind, params, fold, k));
}

function* crossValidateSteps(
  d: Dataset,
  kind: ModelKind,
  params: ModelParams,
  fold: Uint8Array,
  k: number,
): Generator<void, { oof: Float64Array; aucs: number[] }, undefined> {
  const p = d.names.length;
  const oof = new Float64Array(d.y.length);
  const aucs: number[] = [];
  for (let f = 0; f < k; f++) {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < d.y.length; i++) (fold[i] === f ? te : tr).push(i);
    const a = subset(d, tr);
    const b = subset(d, te);
    const model = fitModel(kind, a.x, a.y, p, params);
    const s = scoreAll(model.scorer, b.x, p);
    te.forEach((i, j) => {
      oof[i] = s[j] as number;
    });
    aucs.push(rocAuc(b.y, s));
    yield;
  }
  return { oof, aucs };
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
}

function std(v: number[]): number {
  const m = mean(v);
  return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
}

/** Applies the champion rule to cross-validated results. */
export function pickChampion(results: readonly { kind: ModelKind; cvRocAuc: number }[]): ModelKind {
  const best = Math.max(...results.map((r) => r.cvRocAuc));
  for (const kind of MODEL_KINDS) {
    const r = results.find((x) => x.kind === kind);
    if (r !== undefined && r.cvRocAuc >= best - CHAMPION_MARGIN) return kind;
  }
  return (results[0] as { kind: ModelKind }).kind;
}

/** Searches, calibrates and evaluates every family, then picks and compiles the champion. */
export function trainAll(train: Dataset, test: Dataset, opts: TrainOptions = {}): TrainResult {
  return runSteps(trainSteps(train, test, opts));
}

/** Runs a step generator to its end without pausing. */
export function runSteps<T>(steps: Generator<void, T, undefined>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/**
 * Runs a step generator, giving the event loop a turn between steps (a server stays responsive). An aborted
 * `signal` stops it between two steps (a unit that is shutting down does not wait for a whole training run).
 */
export async function runStepsAsync<T>(
  steps: Generator<void, T, undefined>,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    signal?.throwIfAborted();
    const next = steps.next();
    if (next.done === true) return next.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** {@link trainAll} as steps: it yields after every cross-validation fold and every final fit. */
export function* trainSteps(
  train: Dataset,
  test: Dataset,
  opts: TrainOptions = {},
): Generator<void, TrainResult, undefined> {
  const k = opts.folds ?? 5;
  const grid = opts.grid ?? DEFAULT_GRID;
  const kinds = opts.kinds ?? MODEL_KINDS;
  const p = train.names.length;
  const fold = stratifiedFolds(train.y, k, opts.seed ?? 1);
  const results: ModelResult[] = [];
  const fitted = new Map<ModelKind, FittedModel>();
  const compiled = new Map<ModelKind, CompiledModel>();
  const testProb = new Map<ModelKind, Float64Array>();
  for (const kind of kinds) {
    const started = performance.now();
    const points: GridPoint[] = [];
    let best: { params: ModelParams; oof: Float64Array; aucs: number[] } | undefined;
    for (const params of grid[kind]) {
      const withSeed = { ...params, seed: opts.seed ?? 7 };
      const cv = yield* crossValidateSteps(train, kind, withSeed, fold, k);
      const auc = mean(cv.aucs);
      points.push({ params: withSeed, cvRocAuc: auc });
      opts.onProgress?.(`${MODEL_LABELS[kind]} ${JSON.stringify(params)}: CV ROC AUC ${auc.toFixed(4)}`);
      if (best === undefined || auc > mean(best.aucs)) best = { params: withSeed, ...cv };
    }
    if (best === undefined) continue;
    const searchSeconds = (performance.now() - started) / 1000;
    const platt = fitPlatt(best.oof, train.y);
    const iso = fitIsotonic(best.oof, train.y);
    let brierPlatt = 0;
    let brierIso = 0;
    for (let i = 0; i < train.y.length; i++) {
      const yi = train.y[i] as number;
      brierPlatt += (sigmoid(platt.a * (best.oof[i] as number) + platt.b) - yi) ** 2;
      brierIso += (applyIsotonic(iso, best.oof[i] as number) - yi) ** 2;
    }
    yield;
    const t0 = performance.now();
    const model = fitModel(kind, train.x, train.y, p, best.params);
    const fitSeconds = (performance.now() - t0) / 1000;
    const c = compile(model.scorer, platt);
    const raw = scoreAll(model.scorer, test.x, p);
    const rawP = raw.map((s) => rawProbability(kind, s));
    const calP = new Float64Array(test.y.length);
    for (let i = 0; i < test.y.length; i++) calP[i] = compiledProbability(c, test.x, i * p);
    fitted.set(kind, model);
    compiled.set(kind, c);
    testProb.set(kind, calP);
    results.push({
      kind,
      label: MODEL_LABELS[kind],
      params: best.params,
      grid: points,
      cvRocAuc: mean(best.aucs),
      cvRocAucStd: std(best.aucs),
      test: binaryMetrics(test.y, calP),
      testRaw: binaryMetrics(test.y, rawP),
      platt,
      oofBrierPlatt: brierPlatt / train.y.length,
      oofBrierIsotonic: brierIso / train.y.length,
      fitSeconds,
      searchSeconds,
    });
  }
  if (results.length === 0) throw new Error('no model family to train');
  const champion = pickChampion(results);
  return {
    results,
    champion,
    rule: CHAMPION_RULE,
    fitted: fitted.get(champion) as FittedModel,
    compiled: compiled.get(champion) as CompiledModel,
    testProbabilities: testProb.get(champion) as Float64Array,
    allTestProbabilities: Object.fromEntries(testProb),
  };
}
