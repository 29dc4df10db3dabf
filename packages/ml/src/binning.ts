/**
 * Histogram binning: every feature is cut into at most 255 bins at float32 edges, so a split
 * `x <= edge` means the same thing in training, in-process scoring and in onnxruntime (which compares
 * float32 inputs to float32 thresholds).
 */

/** Bin edges per feature: value `v` falls in the first bin `b` with `fround(v) <= edges[b]`, else the last. */
export interface Binner {
  readonly edges: readonly Float64Array[];
}

/** Column-major bins, `bins[f][i]` for row i. */
export type BinnedMatrix = Uint8Array[];

export function fitBinner(x: Float64Array, rows: number, cols: number, maxBins = 255): Binner {
  const edges: Float64Array[] = [];
  for (let f = 0; f < cols; f++) {
    const values = new Float64Array(rows);
    for (let i = 0; i < rows; i++) values[i] = Math.fround(x[i * cols + f] as number);
    values.sort();
    const uniq: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = values[i] as number;
      if (uniq.length === 0 || v !== uniq[uniq.length - 1]) uniq.push(v);
    }
    const cuts: number[] = [];
    const pushCut = (lo: number, hi: number) => {
      let e = Math.fround((lo + hi) / 2);
      if (!(e >= lo && e < hi)) e = lo;
      if (cuts.length === 0 || e > (cuts[cuts.length - 1] as number)) cuts.push(e);
    };
    if (uniq.length <= maxBins) {
      for (let k = 0; k + 1 < uniq.length; k++) pushCut(uniq[k] as number, uniq[k + 1] as number);
    } else {
      // Quantile cuts over the rows (not the distinct values), between neighbouring distinct values.
      for (let q = 1; q < maxBins; q++) {
        const v = values[Math.min(rows - 1, Math.floor((q * rows) / maxBins))] as number;
        // the next distinct value above v
        let lo = 0;
        let hi = uniq.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((uniq[mid] as number) <= v) lo = mid + 1;
          else hi = mid;
        }
        const above = uniq[lo] as number;
        if (above > v) pushCut(v, above);
      }
    }
    edges.push(Float64Array.from(cuts));
  }
  return { edges };
}

/** The bin of one value (binary search over the edges). */
export function binOf(edges: Float64Array, value: number): number {
  const v = Math.fround(value);
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function applyBinner(binner: Binner, x: Float64Array, rows: number): BinnedMatrix {
  const cols = binner.edges.length;
  const out: BinnedMatrix = [];
  for (let f = 0; f < cols; f++) {
    const e = binner.edges[f] as Float64Array;
    const col = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) col[i] = binOf(e, x[i * cols + f] as number);
    out.push(col);
  }
  return out;
}
