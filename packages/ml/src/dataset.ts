/**
 * The one in-memory shape every model takes: a dense row-major matrix of numbers, the feature names,
 * a 0/1 label per row and an id per row.
 */
export interface Dataset {
  /** Feature names, one per column. */
  readonly names: readonly string[];
  /** Row-major values, `rows * names.length` long. No NaN: the pipeline imputes before this. */
  readonly x: Float64Array;
  /** 0/1 labels (1 = churned), one per row. */
  readonly y: Uint8Array;
  /** Customer id of each row. */
  readonly ids: readonly string[];
}

export function rowCount(d: Dataset): number {
  return d.y.length;
}

/** The rows at `index`, in that order. */
export function subset(d: Dataset, index: ArrayLike<number>): Dataset {
  const p = d.names.length;
  const x = new Float64Array(index.length * p);
  const y = new Uint8Array(index.length);
  const ids: string[] = new Array(index.length);
  for (let k = 0; k < index.length; k++) {
    const i = index[k] as number;
    x.set(d.x.subarray(i * p, i * p + p), k * p);
    y[k] = d.y[i] as number;
    ids[k] = d.ids[i] as string;
  }
  return { names: d.names, x, y, ids };
}

/** Rows of `a` then rows of `b` (same columns). */
export function concat(a: Dataset, b: Dataset): Dataset {
  const x = new Float64Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Uint8Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return { names: a.names, x, y, ids: [...a.ids, ...b.ids] };
}

/** One row as a fresh array. */
export function row(d: Dataset, i: number): Float64Array {
  const p = d.names.length;
  return d.x.slice(i * p, i * p + p);
}

/** Column `j` as a fresh array. */
export function column(d: Dataset, j: number): Float64Array {
  const p = d.names.length;
  const n = d.y.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = d.x[i * p + j] as number;
  return out;
}

export function positiveRate(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] as number;
  return y.length === 0 ? 0 : s / y.length;
}
