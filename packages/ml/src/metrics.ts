/** Binary classification metrics on probabilities (or any score where higher means "churns"). */

export interface ReliabilityBin {
  /** Mean predicted probability in the bin. */
  predicted: number;
  /** Observed churn rate in the bin. */
  observed: number;
  count: number;
}

export interface BinaryMetrics {
  n: number;
  positives: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  /** Average precision (the step-wise area under the precision-recall curve, as scikit-learn). */
  prAuc: number;
  brier: number;
  logLoss: number;
  threshold: number;
  /** [[tn, fp], [fn, tp]] at `threshold`. */
  confusion: [[number, number], [number, number]];
  reliability: ReliabilityBin[];
}

/** ROC AUC by ranks (ties count one half): the probability a churner scores above a stayer. */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (score[a] as number) - (score[b] as number),
  );
  let rankSumPos = 0;
  let pos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[order[j + 1] as number] === score[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[order[k] as number] === 1) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Average precision: sum over thresholds of (recall step) × precision. */
export function averagePrecision(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (score[b] as number) - (score[a] as number),
  );
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += y[i] as number;
  if (totalPos === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[order[j + 1] as number] === score[order[i] as number]) j++;
    for (let k = i; k <= j; k++) {
      if (y[order[k] as number] === 1) tp++;
      else fp++;
    }
    const recall = tp / totalPos;
    const precision = tp / (tp + fp);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}

/** Points of the ROC curve (false positive rate, true positive rate), one per distinct score. */
export function rocCurve(y: ArrayLike<number>, score: ArrayLike<number>): { fpr: number; tpr: number }[] {
  return sweep(y, score).map((p) => ({
    fpr: p.fp / Math.max(1, p.negatives),
    tpr: p.tp / Math.max(1, p.positives),
  }));
}

/** Points of the precision-recall curve. */
export function prCurve(
  y: ArrayLike<number>,
  score: ArrayLike<number>,
): { recall: number; precision: number }[] {
  return sweep(y, score)
    .filter((p) => p.tp + p.fp > 0)
    .map((p) => ({ recall: p.tp / Math.max(1, p.positives), precision: p.tp / (p.tp + p.fp) }));
}

function sweep(y: ArrayLike<number>, score: ArrayLike<number>) {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (score[b] as number) - (score[a] as number),
  );
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i] as number;
  const negatives = n - positives;
  const out = [{ tp: 0, fp: 0, positives, negatives }];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[order[j + 1] as number] === score[order[i] as number]) j++;
    for (let k = i; k <= j; k++) {
      if (y[order[k] as number] === 1) tp++;
      else fp++;
    }
    out.push({ tp, fp, positives, negatives });
    i = j + 1;
  }
  return out;
}

/** Ten equal-width bins of predicted probability: mean prediction against observed rate. */
export function reliabilityCurve(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((p[i] as number) * bins)));
    sumP[b] = (sumP[b] as number) + (p[i] as number);
    sumY[b] = (sumY[b] as number) + (y[i] as number);
    count[b] = (count[b] as number) + 1;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c > 0) out.push({ predicted: (sumP[b] as number) / c, observed: (sumY[b] as number) / c, count: c });
  }
  return out;
}

/** Every metric of a set of probabilities, with the confusion matrix at `threshold`. */
export function binaryMetrics(y: ArrayLike<number>, p: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let brier = 0;
  let logLoss = 0;
  for (let i = 0; i < y.length; i++) {
    const yi = y[i] as number;
    const pi = p[i] as number;
    const hit = pi >= threshold;
    if (hit && yi === 1) tp++;
    else if (hit) fp++;
    else if (yi === 1) fn++;
    else tn++;
    brier += (pi - yi) ** 2;
    const pc = Math.min(1 - 1e-15, Math.max(1e-15, pi));
    logLoss -= yi === 1 ? Math.log(pc) : Math.log(1 - pc);
  }
  const n = y.length;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    n,
    positives: tp + fn,
    accuracy: (tp + tn) / Math.max(1, n),
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    rocAuc: rocAuc(y, p),
    prAuc: averagePrecision(y, p),
    brier: brier / Math.max(1, n),
    logLoss: logLoss / Math.max(1, n),
    threshold,
    confusion: [
      [tn, fp],
      [fn, tp],
    ],
    reliability: reliabilityCurve(y, p),
  };
}

/**
 * Population stability index of `actual` against `expected`, over the deciles of `expected`
 * (0.1-0.25: moderate shift, above 0.25: large shift). Empty bins count as 0.1% to stay finite.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, bins = 10): number {
  const sorted = Float64Array.from(expected as ArrayLike<number>).sort();
  if (sorted.length === 0 || actual.length === 0) return 0;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / bins))] as number;
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  const share = (values: ArrayLike<number>): number[] => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      let b = 0;
      while (b < edges.length && v > (edges[b] as number)) b++;
      counts[b] = (counts[b] as number) + 1;
    }
    return counts.map((c) => Math.max(c / values.length, 0.001));
  };
  const e = share(expected);
  const a = share(actual);
  let s = 0;
  for (let b = 0; b < e.length; b++)
    s += ((a[b] as number) - (e[b] as number)) * Math.log((a[b] as number) / (e[b] as number));
  return s;
}
