/**
 * The churn pipeline end to end, without I/O: cleaned data (or a ready feature table) in; a saved
 * model, metrics, test-set explanations and scores out. The CLI, the unit's scheduler and HQ call it.
 */
import { z } from 'zod';
import { type CompiledModel, compiledProbability } from './calibration.ts';
import { type CleanData, type CleaningReport, dayNumber, isoDay } from './clean.ts';
import { concat, type Dataset, subset } from './dataset.ts';
import {
  buildSnapshot,
  type FeatureSpec,
  fitFeatureSpec,
  type LabelMode,
  type RowInfo,
  type Snapshot,
} from './features.ts';
import type { BinaryMetrics } from './metrics.ts';
import { MODEL_LABELS, type ModelKind, type ModelParams } from './models.ts';
import { type Reason, topReasons } from './reasons.ts';
import { type Explanation, explain, globalImportance } from './shap.ts';
import {
  CHAMPION_RULE,
  CHAMPION_RULE_PT,
  type Grid,
  type ModelResult,
  runSteps,
  runStepsAsync,
  stratifiedFolds,
  type TrainResult,
  trainAll,
  trainSteps,
} from './train.ts';

/** The data cannot train a model that means anything; the message says why and what to do. */
export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError';
}

/** Smallest training set: fewer rows give a model whose metrics are noise. */
export const MIN_ROWS = 40;
/** Smallest count of the rarer class (churners or stayers) in the training rows. */
export const MIN_CLASS = 10;

export function assertTrainable(y: Uint8Array, where: string): void {
  let pos = 0;
  for (const v of y) pos += v;
  const neg = y.length - pos;
  if (y.length < MIN_ROWS) {
    throw new TrainingDataError(
      `${where}: only ${y.length} rows, at least ${MIN_ROWS} are needed to train and evaluate a model`,
    );
  }
  if (pos === 0 || neg === 0) {
    const only = pos === 0 ? 'nobody churned (all labels are 0)' : 'everybody churned (all labels are 1)';
    throw new TrainingDataError(`${where}: ${only}; a model needs both churners and stayers`);
  }
  if (Math.min(pos, neg) < MIN_CLASS) {
    throw new TrainingDataError(
      `${where}: only ${Math.min(pos, neg)} ${pos < neg ? 'churners' : 'stayers'}; at least ${MIN_CLASS} are needed`,
    );
  }
}

const TreeSchema = z.object({
  feature: z.array(z.number().int()),
  threshold: z.array(z.number()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  value: z.array(z.number()),
  cover: z.array(z.number()),
});

const CompiledSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('linear'),
    weights: z.array(z.number()),
    bias: z.number(),
    means: z.array(z.number()),
  }),
  z.object({ kind: z.literal('trees'), trees: z.array(TreeSchema), base: z.number() }),
]);

const SpecSchema = z.object({
  names: z.array(z.string()),
  regions: z.array(z.string()),
  plans: z.array(z.string()),
  hasVisits: z.boolean(),
  hasPayments: z.boolean(),
  hasAmounts: z.boolean(),
  hasDueDates: z.boolean(),
  hasAge: z.boolean(),
  hasGender: z.boolean(),
  hasContract: z.boolean(),
  ageMedian: z.number(),
  horizonDays: z.number(),
});

/** `model.json`: everything needed to score and explain, validated when loaded. */
export const SavedChurnModelSchema = z.object({
  format: z.literal('gymedge-churn/1'),
  createdAt: z.string(),
  champion: z.enum(['logistic', 'tree', 'forest', 'hgb']),
  params: z.record(z.string(), z.number()),
  features: z.array(z.string()),
  source: z.enum(['events', 'table']),
  labelMode: z.enum(['inactivity', 'column', 'table']),
  /** Events source: how the columns are built. */
  spec: SpecSchema.optional(),
  /** Table source: the label column that was dropped. */
  labelColumn: z.string().optional(),
  cutoff: z.string().optional(),
  compiled: CompiledSchema,
  /** Score distribution of the training rows (deciles of the probability), for drift checks. */
  trainScoreDeciles: z.array(z.number()),
  /** Per-feature training deciles, for PSI. */
  featureDeciles: z.array(z.array(z.number())),
  dataFingerprint: z.string(),
});
export type SavedChurnModel = z.infer<typeof SavedChurnModelSchema>;

export interface ChurnMetricsFile {
  createdAt: string;
  source: 'events' | 'table';
  labelMode: 'inactivity' | 'column' | 'table';
  split: string;
  rows: { train: number; test: number; trainChurnRate: number; testChurnRate: number };
  championRule: { en: string; pt: string };
  champion: ModelKind;
  models: Array<
    Omit<ModelResult, 'test' | 'testRaw'> & {
      test: Omit<BinaryMetrics, 'reliability'> & { reliability: BinaryMetrics['reliability'] };
      testRaw: BinaryMetrics;
    }
  >;
  cleaning?: CleaningReport;
  importance: { feature: string; meanAbsShap: number }[];
  dataFingerprint: string;
}

export interface ChurnTrainOutput {
  model: SavedChurnModel;
  metrics: ChurnMetricsFile;
  result: TrainResult;
  train: Dataset;
  test: Dataset;
  testInfo: RowInfo[];
  testExplanations: Explanation[];
}

export interface EventsTrainOptions {
  horizonDays?: number;
  labelMode?: 'auto' | 'inactivity' | 'column';
  grid?: Grid;
  folds?: number;
  seed?: number;
  kinds?: readonly ModelKind[];
  onProgress?: (message: string) => void;
  /** Stops an asynchronous run between two fits (see {@link runStepsAsync}). */
  signal?: AbortSignal;
}

/** FNV-1a over the rows: the same data gives the same fingerprint (registry runs record it). */
export function fingerprint(d: Dataset): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h ^= v;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const name of d.names) for (let i = 0; i < name.length; i++) mix(name.charCodeAt(i));
  for (let i = 0; i < d.x.length; i++) mix(Math.round((d.x[i] as number) * 1000) & 0xffffffff);
  for (const v of d.y) mix(v);
  return `fnv1a:${h.toString(16).padStart(8, '0')}:${d.y.length}x${d.names.length}`;
}

function deciles(values: ArrayLike<number>): number[] {
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  if (s.length === 0) return [];
  return Array.from(
    { length: 9 },
    (_, k) => s[Math.min(s.length - 1, Math.floor(((k + 1) * s.length) / 10))] as number,
  );
}

function finish(
  source: 'events' | 'table',
  labelMode: 'inactivity' | 'column' | 'table',
  split: string,
  train: Dataset,
  test: Dataset,
  testInfo: RowInfo[],
  result: TrainResult,
  extra: { spec?: FeatureSpec; labelColumn?: string; cutoff?: string; cleaning?: CleaningReport },
): ChurnTrainOutput {
  const p = train.names.length;
  const testExplanations: Explanation[] = [];
  for (let i = 0; i < test.y.length; i++) testExplanations.push(explain(result.compiled, test.x, i * p));
  const imp = globalImportance(testExplanations, p);
  const trainProb = new Float64Array(train.y.length);
  for (let i = 0; i < train.y.length; i++)
    trainProb[i] = compiledProbability(result.compiled, train.x, i * p);
  const featureDeciles: number[][] = [];
  for (let j = 0; j < p; j++) {
    const col = new Float64Array(train.y.length);
    for (let i = 0; i < train.y.length; i++) col[i] = train.x[i * p + j] as number;
    featureDeciles.push(deciles(col));
  }
  const fp = fingerprint(concat(train, test));
  const champ = result.results.find((r) => r.kind === result.champion) as ModelResult;
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(champ.params as ModelParams)) if (typeof v === 'number') params[k] = v;
  const createdAt = new Date().toISOString();
  const model: SavedChurnModel = {
    format: 'gymedge-churn/1',
    createdAt,
    champion: result.champion,
    params,
    features: [...train.names],
    source,
    labelMode,
    compiled: result.compiled,
    trainScoreDeciles: deciles(trainProb),
    featureDeciles,
    dataFingerprint: fp,
  };
  if (extra.spec !== undefined) model.spec = extra.spec;
  if (extra.labelColumn !== undefined) model.labelColumn = extra.labelColumn;
  if (extra.cutoff !== undefined) model.cutoff = extra.cutoff;
  const rate = (y: Uint8Array) => y.reduce((s, v) => s + v, 0) / Math.max(1, y.length);
  const metrics: ChurnMetricsFile = {
    createdAt,
    source,
    labelMode,
    split,
    rows: {
      train: train.y.length,
      test: test.y.length,
      trainChurnRate: rate(train.y),
      testChurnRate: rate(test.y),
    },
    championRule: { en: CHAMPION_RULE, pt: CHAMPION_RULE_PT },
    champion: result.champion,
    models: result.results,
    importance: train.names
      .map((feature, j) => ({ feature, meanAbsShap: imp[j] as number }))
      .sort((a, b) => b.meanAbsShap - a.meanAbsShap),
    dataFingerprint: fp,
  };
  if (extra.cleaning !== undefined) metrics.cleaning = extra.cleaning;
  return { model, metrics, result, train, test, testInfo, testExplanations };
}

/**
 * Trains from customers + activities. Label modes:
 * - `inactivity`: churn = no activity in the `horizonDays` after a cutoff. Time-based split: train on
 *   the snapshot at end − 2·horizon, test on the one at end − horizon (labels of both are known).
 * - `column`: the customers' own churn column; features are read at end − horizon (blind to the last
 *   window, where the exit shows), split by signup date (earliest 75% train).
 * `auto` picks `column` when customers carry a churn column with both classes, else `inactivity`.
 */
export function trainFromEvents(data: CleanData, opts: EventsTrainOptions = {}): ChurnTrainOutput {
  return runSteps(trainFromEventsSteps(data, opts));
}

/** {@link trainFromEvents} giving the event loop a turn after every fit: for a serving unit. */
export function trainFromEventsAsync(
  data: CleanData,
  opts: EventsTrainOptions = {},
): Promise<ChurnTrainOutput> {
  return runStepsAsync(trainFromEventsSteps(data, opts), opts.signal);
}

function* trainFromEventsSteps(
  data: CleanData,
  opts: EventsTrainOptions,
): Generator<void, ChurnTrainOutput, undefined> {
  const horizon = opts.horizonDays ?? 90;
  if (data.lastDate === undefined || data.firstDate === undefined) {
    throw new TrainingDataError('the transactions hold no dated rows: there is no history to learn from');
  }
  const labels = [...data.customers.values()].map((c) => c.churn).filter((c) => c !== undefined);
  const both = labels.includes(true) && labels.includes(false);
  let mode: 'inactivity' | 'column' =
    opts.labelMode === 'column' || (opts.labelMode !== 'inactivity' && both) ? 'column' : 'inactivity';
  if (opts.labelMode === 'column' && labels.length === 0) {
    throw new TrainingDataError('customers.csv has no churn column: use --label-mode inactivity');
  }
  if (opts.labelMode === undefined || opts.labelMode === 'auto') mode = both ? 'column' : 'inactivity';
  const spec = fitFeatureSpec(data, horizon);
  const end = dayNumber(data.lastDate);
  const span = end - dayNumber(data.firstDate);
  const progress = opts.onProgress ?? (() => {});
  const trainOpts = {
    ...(opts.grid === undefined ? {} : { grid: opts.grid }),
    ...(opts.folds === undefined ? {} : { folds: opts.folds }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.kinds === undefined ? {} : { kinds: opts.kinds }),
    onProgress: progress,
  };
  if (mode === 'inactivity') {
    const need = 2 * horizon + 30;
    if (span < need) {
      throw new TrainingDataError(
        `the history covers ${span} days (${data.firstDate} to ${data.lastDate}); churn by inactivity over ${horizon} days needs at least ${need} days (or use a shorter --horizon)`,
      );
    }
    const c1 = isoDay(end - 2 * horizon);
    const c2 = isoDay(end - horizon);
    const train = buildSnapshot(data, spec, c1, { labelMode: 'inactivity' });
    const test = buildSnapshot(data, spec, c2, { labelMode: 'inactivity' });
    progress(
      `snapshots: train at ${c1} (${train.data.y.length} customers), test at ${c2} (${test.data.y.length})`,
    );
    assertTrainable(train.data.y, `training snapshot at ${c1}`);
    assertTrainable(test.data.y, `test snapshot at ${c2}`);
    const result = yield* trainSteps(train.data, test.data, trainOpts);
    return finish(
      'events',
      'inactivity',
      `time-based: features at ${c1}, labels ${c1}..${c2} (train); features at ${c2}, labels ${c2}..${data.lastDate} (test); churn = no activity for ${horizon} days`,
      train.data,
      test.data,
      test.info,
      result,
      { spec, cutoff: c2, cleaning: data.report },
    );
  }
  const cutoff = isoDay(end - horizon);
  const snap: Snapshot = buildSnapshot(data, spec, cutoff, { labelMode: 'column' });
  assertTrainable(snap.data.y, `customers with a churn label and history before ${cutoff}`);
  const order = snap.data.ids.map((_, i) => i);
  const signup = (i: number) => data.customers.get(snap.data.ids[i] as string)?.signupDate ?? '';
  const haveSignup = order.every((i) => signup(i) !== '');
  let trainIdx: number[];
  let testIdx: number[];
  let split: string;
  if (haveSignup) {
    order.sort((a, b) => (signup(a) < signup(b) ? -1 : signup(a) > signup(b) ? 1 : a - b));
    const cut = Math.floor(order.length * 0.75);
    trainIdx = order.slice(0, cut);
    testIdx = order.slice(cut);
    split = `by signup date: the earliest 75% of members train, the latest 25% test; features at ${cutoff} (export date − ${horizon} days)`;
  } else {
    const fold = stratifiedFolds(snap.data.y, 4, opts.seed ?? 1);
    trainIdx = order.filter((i) => fold[i] !== 0);
    testIdx = order.filter((i) => fold[i] === 0);
    split = `stratified random 75/25 (no signup dates to split by time); features at ${cutoff}`;
  }
  const train = subset(snap.data, trainIdx);
  const test = subset(snap.data, testIdx);
  assertTrainable(train.y, 'training rows');
  assertTrainable(test.y, 'test rows');
  const result = yield* trainSteps(train, test, trainOpts);
  return finish(
    'events',
    'column',
    split,
    train,
    test,
    testIdx.map((i) => snap.info[i] as RowInfo),
    result,
    {
      spec,
      cutoff,
      cleaning: data.report,
    },
  );
}

export interface TableTrainOptions extends Omit<EventsTrainOptions, 'horizonDays' | 'labelMode'> {
  /** Column whose values label groups in the report (e.g. Contract_period). */
  groupColumn?: string;
  testFraction?: number;
}

/** Trains from a ready feature table (one row per member, a 0/1 label). Split: stratified random. */
export function trainFromTable(
  d: Dataset,
  labelColumn: string,
  opts: TableTrainOptions = {},
): ChurnTrainOutput {
  assertTrainable(d.y, 'the feature table');
  const folds = Math.max(2, Math.round(1 / (opts.testFraction ?? 0.2)));
  const fold = stratifiedFolds(d.y, folds, opts.seed ?? 1);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < d.y.length; i++) (fold[i] === 0 ? testIdx : trainIdx).push(i);
  const train = subset(d, trainIdx);
  const test = subset(d, testIdx);
  const group = opts.groupColumn === undefined ? -1 : d.names.indexOf(opts.groupColumn);
  const info = testIdx.map((i) => ({
    customerId: d.ids[i] as string,
    region: group >= 0 ? `${opts.groupColumn}=${d.x[i * d.names.length + group]}` : '—',
  }));
  const result = trainAll(train, test, {
    ...(opts.grid === undefined ? {} : { grid: opts.grid }),
    ...(opts.folds === undefined ? {} : { folds: opts.folds }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.kinds === undefined ? {} : { kinds: opts.kinds }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  return finish(
    'table',
    'table',
    `stratified random ${Math.round(100 - 100 / folds)}/${Math.round(100 / folds)} (the table has no dates)`,
    train,
    test,
    info,
    result,
    {
      labelColumn,
    },
  );
}

export interface CustomerScore {
  customerId: string;
  probability: number;
  reasons: Reason[];
  explanation: Explanation;
}

/** Scores every row of a dataset with the saved model, with SHAP reasons. */
export function scoreDataset(model: SavedChurnModel, d: Dataset, reasons = 3): CustomerScore[] {
  const p = model.features.length;
  const compiled = model.compiled as CompiledModel;
  const out: CustomerScore[] = [];
  for (let i = 0; i < d.y.length; i++) {
    const e = explain(compiled, d.x, i * p);
    out.push({
      customerId: d.ids[i] as string,
      probability: compiledProbability(compiled, d.x, i * p),
      reasons: topReasons(model.features, d.x, e, reasons, i * p),
      explanation: e,
    });
  }
  return out;
}

/** Builds the scoring snapshot (every customer, at the data's last day or `asOf`) for an events model. */
export function scoringSnapshot(model: SavedChurnModel, data: CleanData, asOf?: string): Snapshot {
  if (model.spec === undefined)
    throw new TrainingDataError('this model was trained on a feature table: score it with --features');
  const cutoff = asOf ?? data.lastDate ?? new Date().toISOString().slice(0, 10);
  return buildSnapshot(data, model.spec as FeatureSpec, cutoff, { labelMode: 'none' });
}

export type { LabelMode };
export { MODEL_LABELS };
