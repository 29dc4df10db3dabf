/**
 * Customer segmentation: k-means++ (Lloyd iterations, best of several starts) with k chosen by the
 * silhouette (the elbow of the inertia curve is reported beside it), a diagonal Gaussian mixture (EM)
 * as the compared method, a 2-D PCA projection for plots, and human names for the segments.
 */
import { Rng } from './rng.ts';

export interface Standardiser {
  means: number[];
  sds: number[];
}

export function fitStandardiser(x: Float64Array, cols: number): Standardiser {
  const n = x.length / cols;
  const means = new Array<number>(cols).fill(0);
  const sds = new Array<number>(cols).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < cols; j++) means[j] = (means[j] as number) + (x[i * cols + j] as number) / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < cols; j++)
      sds[j] = (sds[j] as number) + ((x[i * cols + j] as number) - (means[j] as number)) ** 2 / n;
  return { means, sds: sds.map((v) => (Math.sqrt(v) > 1e-12 ? Math.sqrt(v) : 1)) };
}

export function standardise(s: Standardiser, x: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % cols;
    out[i] = ((x[i] as number) - (s.means[j] as number)) / (s.sds[j] as number);
  }
  return out;
}

function dist2(a: Float64Array, i: number, b: Float64Array, k: number, cols: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) {
    const d = (a[i * cols + j] as number) - (b[k * cols + j] as number);
    s += d * d;
  }
  return s;
}

export interface KMeansModel {
  k: number;
  /** Centroids in standardised space, row-major k × cols. */
  centroids: Float64Array;
  inertia: number;
  labels: Int32Array;
}

/** k-means++ seeding then Lloyd's iterations; the best of `starts` runs by inertia. */
export function kmeans(
  x: Float64Array,
  cols: number,
  k: number,
  seed = 3,
  starts = 4,
  maxIter = 100,
): KMeansModel {
  const n = x.length / cols;
  const rng = new Rng(seed);
  let best: KMeansModel | undefined;
  for (let s = 0; s < starts; s++) {
    const c = new Float64Array(k * cols);
    const first = rng.int(n);
    c.set(x.subarray(first * cols, first * cols + cols), 0);
    const d = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    for (let m = 1; m < k; m++) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        const dd = dist2(x, i, c, m - 1, cols);
        if (dd < (d[i] as number)) d[i] = dd;
        total += d[i] as number;
      }
      let r = rng.next() * total;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= d[i] as number;
        if (r <= 0) {
          pick = i;
          break;
        }
      }
      c.set(x.subarray(pick * cols, pick * cols + cols), m * cols);
    }
    const labels = new Int32Array(n);
    let inertia = 0;
    for (let it = 0; it < maxIter; it++) {
      let changed = false;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let bl = 0;
        let bd = Number.POSITIVE_INFINITY;
        for (let m = 0; m < k; m++) {
          const dd = dist2(x, i, c, m, cols);
          if (dd < bd) {
            bd = dd;
            bl = m;
          }
        }
        if (labels[i] !== bl || it === 0) changed ||= labels[i] !== bl;
        labels[i] = bl;
        inertia += bd;
      }
      const sums = new Float64Array(k * cols);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        const l = labels[i] as number;
        counts[l] = (counts[l] as number) + 1;
        for (let j = 0; j < cols; j++)
          sums[l * cols + j] = (sums[l * cols + j] as number) + (x[i * cols + j] as number);
      }
      for (let m = 0; m < k; m++) {
        if ((counts[m] as number) === 0) continue;
        for (let j = 0; j < cols; j++)
          c[m * cols + j] = (sums[m * cols + j] as number) / (counts[m] as number);
      }
      if (!changed && it > 0) break;
    }
    if (best === undefined || inertia < best.inertia) best = { k, centroids: c, inertia, labels };
  }
  return best as KMeansModel;
}

export function assign(centroids: Float64Array, k: number, x: Float64Array, i: number, cols: number): number {
  let bl = 0;
  let bd = Number.POSITIVE_INFINITY;
  for (let m = 0; m < k; m++) {
    const dd = dist2(x, i, centroids, m, cols);
    if (dd < bd) {
      bd = dd;
      bl = m;
    }
  }
  return bl;
}

/** Mean silhouette over (at most `sample`) rows. */
export function silhouette(
  x: Float64Array,
  cols: number,
  labels: Int32Array,
  k: number,
  sample = 2000,
  seed = 5,
): number {
  const n = labels.length;
  const rng = new Rng(seed);
  const rows = Array.from({ length: n }, (_, i) => i);
  const pick = n > sample ? rng.shuffle(rows).slice(0, sample) : rows;
  const sizes = new Float64Array(k);
  for (const i of pick) sizes[labels[i] as number] = (sizes[labels[i] as number] as number) + 1;
  let total = 0;
  for (const i of pick) {
    const sum = new Float64Array(k);
    for (const j of pick) {
      if (i === j) continue;
      sum[labels[j] as number] = (sum[labels[j] as number] as number) + Math.sqrt(dist2(x, i, x, j, cols));
    }
    const own = labels[i] as number;
    const ownSize = (sizes[own] as number) - 1;
    if (ownSize <= 0) continue;
    const a = (sum[own] as number) / ownSize;
    let b = Number.POSITIVE_INFINITY;
    for (let m = 0; m < k; m++)
      if (m !== own && (sizes[m] as number) > 0) b = Math.min(b, (sum[m] as number) / (sizes[m] as number));
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b);
  }
  return total / pick.length;
}

export interface GmmModel {
  k: number;
  weights: number[];
  means: Float64Array;
  variances: Float64Array;
  logLikelihood: number;
  labels: Int32Array;
}

/** Diagonal Gaussian mixture by EM, started from k-means. */
export function gmm(x: Float64Array, cols: number, k: number, seed = 3, maxIter = 100): GmmModel {
  const n = x.length / cols;
  const init = kmeans(x, cols, k, seed, 2, 30);
  const means = Float64Array.from(init.centroids);
  const variances = new Float64Array(k * cols).fill(1);
  const weights = new Array<number>(k).fill(1 / k);
  const resp = new Float64Array(n * k);
  let ll = Number.NEGATIVE_INFINITY;
  for (let it = 0; it < maxIter; it++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let maxLog = Number.NEGATIVE_INFINITY;
      for (let m = 0; m < k; m++) {
        let lp = Math.log(weights[m] as number);
        for (let j = 0; j < cols; j++) {
          const v = variances[m * cols + j] as number;
          const d = (x[i * cols + j] as number) - (means[m * cols + j] as number);
          lp -= 0.5 * (Math.log(2 * Math.PI * v) + (d * d) / v);
        }
        resp[i * k + m] = lp;
        if (lp > maxLog) maxLog = lp;
      }
      let s = 0;
      for (let m = 0; m < k; m++) s += Math.exp((resp[i * k + m] as number) - maxLog);
      const lse = maxLog + Math.log(s);
      total += lse;
      for (let m = 0; m < k; m++) resp[i * k + m] = Math.exp((resp[i * k + m] as number) - lse);
    }
    for (let m = 0; m < k; m++) {
      let nk = 1e-10;
      for (let i = 0; i < n; i++) nk += resp[i * k + m] as number;
      weights[m] = nk / n;
      for (let j = 0; j < cols; j++) {
        let mu = 0;
        for (let i = 0; i < n; i++) mu += (resp[i * k + m] as number) * (x[i * cols + j] as number);
        mu /= nk;
        let v = 0;
        for (let i = 0; i < n; i++)
          v += (resp[i * k + m] as number) * ((x[i * cols + j] as number) - mu) ** 2;
        means[m * cols + j] = mu;
        variances[m * cols + j] = Math.max(v / nk, 1e-3);
      }
    }
    if (total - ll < 1e-6 * Math.abs(total)) {
      ll = total;
      break;
    }
    ll = total;
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let bm = 0;
    for (let m = 1; m < k; m++) if ((resp[i * k + m] as number) > (resp[i * k + bm] as number)) bm = m;
    labels[i] = bm;
  }
  return { k, weights, means, variances, logLikelihood: ll, labels };
}

/** Adjusted Rand index between two labelings: 1 = the same grouping, 0 = chance. */
export function adjustedRand(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  const table = new Map<string, number>();
  const ra = new Map<number, number>();
  const rb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}|${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    ra.set(a[i] as number, (ra.get(a[i] as number) ?? 0) + 1);
    rb.set(b[i] as number, (rb.get(b[i] as number) ?? 0) + 1);
  }
  const c2 = (v: number) => (v * (v - 1)) / 2;
  let index = 0;
  for (const v of table.values()) index += c2(v);
  let sa = 0;
  for (const v of ra.values()) sa += c2(v);
  let sb = 0;
  for (const v of rb.values()) sb += c2(v);
  const expected = (sa * sb) / c2(n);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

/** First two principal components (power iteration with deflation). */
export function pca2(
  x: Float64Array,
  cols: number,
): { components: Float64Array[]; projected: Float64Array; explained: number[] } {
  const n = x.length / cols;
  const cov = new Float64Array(cols * cols);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < cols; a++)
      for (let b = 0; b < cols; b++)
        cov[a * cols + b] =
          (cov[a * cols + b] as number) + ((x[i * cols + a] as number) * (x[i * cols + b] as number)) / n;
  let trace = 0;
  for (let a = 0; a < cols; a++) trace += cov[a * cols + a] as number;
  const components: Float64Array[] = [];
  const explained: number[] = [];
  const rng = new Rng(9);
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: cols }, () => rng.normal());
    let lambda = 0;
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(cols);
      for (let a = 0; a < cols; a++)
        for (let b = 0; b < cols; b++)
          w[a] = (w[a] as number) + (cov[a * cols + b] as number) * (v[b] as number);
      const norm = Math.hypot(...w) || 1;
      lambda = norm;
      v = w.map((e) => e / norm);
    }
    components.push(v);
    explained.push(trace > 0 ? lambda / trace : 0);
    for (let a = 0; a < cols; a++)
      for (let b = 0; b < cols; b++)
        cov[a * cols + b] = (cov[a * cols + b] as number) - lambda * (v[a] as number) * (v[b] as number);
  }
  const projected = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      const comp = components[c] as Float64Array;
      for (let j = 0; j < cols; j++) s += (x[i * cols + j] as number) * (comp[j] as number);
      projected[i * 2 + c] = s;
    }
  }
  return { components, projected, explained };
}
