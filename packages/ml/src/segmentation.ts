/**
 * Segmentation end to end: behaviour features per customer at the data's last day, log-scaled and
 * standardised; k-means++ for k = 2..8 (k by the best silhouette; the elbow of the inertia curve is
 * reported beside it); a Gaussian mixture at the same k for comparison; named profiles; a 2-D PCA
 * projection; and every customer's segment, so lookups need no recomputation.
 */
import { z } from 'zod';
import type { CleanData } from './clean.ts';
import { buildSnapshot, fitFeatureSpec } from './features.ts';
import {
  adjustedRand,
  assign,
  fitStandardiser,
  gmm,
  kmeans,
  pca2,
  silhouette,
  standardise,
} from './segment.ts';

/** Behaviour features used for segments (a subset of the churn features, all numeric). */
export const SEGMENT_FEATURES = [
  'recency_days',
  'activity_90d',
  'activity_total',
  'tenure_days',
  'mean_gap_days',
  'monetary_total',
  'avg_ticket',
] as const;

/** Features read on a log scale (counts, money and days are skewed). */
const LOG = new Set([
  'recency_days',
  'activity_90d',
  'activity_total',
  'tenure_days',
  'mean_gap_days',
  'monetary_total',
  'avg_ticket',
]);

export const SegmentModelSchema = z.object({
  format: z.literal('gymedge-segments/1'),
  createdAt: z.string(),
  asOf: z.string(),
  k: z.number().int(),
  features: z.array(z.string()),
  log: z.array(z.boolean()),
  means: z.array(z.number()),
  sds: z.array(z.number()),
  centroids: z.array(z.array(z.number())),
  segments: z.array(
    z.object({
      id: z.number().int(),
      key: z.string(),
      name: z.object({ pt: z.string(), en: z.string() }),
      size: z.number().int(),
      /** Median of each feature in original units. */
      profile: z.record(z.string(), z.number()),
    }),
  ),
  assignments: z.record(z.string(), z.number().int()),
  quality: z.object({
    candidates: z.array(z.object({ k: z.number(), silhouette: z.number(), inertia: z.number() })),
    chosenK: z.number(),
    elbowK: z.number(),
    kmeansSilhouette: z.number(),
    gmmSilhouette: z.number(),
    gmmAgreementAri: z.number(),
    gmmLogLikelihood: z.number(),
  }),
});
export type SegmentModel = z.infer<typeof SegmentModelSchema>;

export interface SegmentFit {
  model: SegmentModel;
  /** 2-D PCA coordinates per customer (same order as `ids`), for the EDA plot. */
  projection: Float64Array;
  explained: number[];
  ids: string[];
  labels: Int32Array;
  /** Raw feature rows (original units), row-major. */
  raw: Float64Array;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
}

const NAMES: Record<string, { pt: string; en: string }> = {
  lapsed: { pt: 'Afastados', en: 'Lapsed' },
  champions: { pt: 'Fiéis de alto valor', en: 'Loyal high spenders' },
  newcomers: { pt: 'Novatos', en: 'Newcomers' },
  regulars: { pt: 'Frequentes', en: 'Regulars' },
  occasional: { pt: 'Ocasionais', en: 'Occasional' },
  cooling: { pt: 'Esfriando', en: 'Cooling off' },
};

/** Names a segment from its centroid (standardised units: 0 = the average customer). */
function nameOf(c: Record<string, number>): string {
  const r = c.recency_days ?? 0;
  const f = c.activity_90d ?? 0;
  const m = c.monetary_total ?? c.activity_total ?? 0;
  const t = c.tenure_days ?? 0;
  if (r > 0.8) return 'lapsed';
  if (t < -0.6 && r <= 0.3) return 'newcomers';
  if (m > 0.5 && f > 0.3) return 'champions';
  if (r > 0.25) return 'cooling';
  if (f > 0.2) return 'regulars';
  return 'occasional';
}

export interface SegmentOptions {
  kMin?: number;
  kMax?: number;
  asOf?: string;
  seed?: number;
}

export function fitSegments(data: CleanData, opts: SegmentOptions = {}): SegmentFit {
  const spec = fitFeatureSpec(data, 90);
  const asOf = opts.asOf ?? data.lastDate ?? new Date().toISOString().slice(0, 10);
  const snap = buildSnapshot(data, spec, asOf, { labelMode: 'none' });
  const features = SEGMENT_FEATURES.filter((f) => spec.names.includes(f));
  const cols = features.map((f) => spec.names.indexOf(f));
  const n = snap.data.y.length;
  if (n < 10) throw new Error(`only ${n} customers: at least 10 are needed to find segments`);
  const p = features.length;
  const pAll = spec.names.length;
  const raw = new Float64Array(n * p);
  const t = new Float64Array(n * p);
  const log = features.map((f) => LOG.has(f));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const v = snap.data.x[i * pAll + (cols[j] as number)] as number;
      raw[i * p + j] = v;
      t[i * p + j] = log[j] ? Math.log1p(Math.max(0, v)) : v;
    }
  }
  const st = fitStandardiser(t, p);
  const z = standardise(st, t, p);
  const kMin = opts.kMin ?? 2;
  const kMax = Math.min(opts.kMax ?? 8, Math.max(kMin, Math.floor(n / 5)));
  const candidates: { k: number; silhouette: number; inertia: number }[] = [];
  const fits = new Map<number, ReturnType<typeof kmeans>>();
  for (let k = kMin; k <= kMax; k++) {
    const km = kmeans(z, p, k, opts.seed ?? 3);
    fits.set(k, km);
    candidates.push({ k, silhouette: silhouette(z, p, km.labels, k, 1500), inertia: km.inertia });
  }
  const best = candidates.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  // Elbow: the k after which the inertia curve bends most (largest second difference).
  let elbowK = best.k;
  let bend = Number.NEGATIVE_INFINITY;
  for (let i = 1; i + 1 < candidates.length; i++) {
    const d2 =
      (candidates[i - 1] as { inertia: number }).inertia -
      2 * (candidates[i] as { inertia: number }).inertia +
      (candidates[i + 1] as { inertia: number }).inertia;
    if (d2 > bend) {
      bend = d2;
      elbowK = (candidates[i] as { k: number }).k;
    }
  }
  const k = best.k;
  const km = fits.get(k) as ReturnType<typeof kmeans>;
  const mix = gmm(z, p, k, opts.seed ?? 3);
  const gmmSil = silhouette(z, p, mix.labels, k, 1500);
  const keys = new Map<string, number>();
  const segments: SegmentModel['segments'] = [];
  const centroids: number[][] = [];
  for (let m = 0; m < k; m++) {
    const centre: Record<string, number> = {};
    features.forEach((f, j) => {
      centre[f] = km.centroids[m * p + j] as number;
    });
    let key = nameOf(centre);
    const seen = keys.get(key) ?? 0;
    keys.set(key, seen + 1);
    const base = NAMES[key] as { pt: string; en: string };
    const name = seen === 0 ? { ...base } : { pt: `${base.pt} ${seen + 1}`, en: `${base.en} ${seen + 1}` };
    if (seen > 0) key = `${key}-${seen + 1}`;
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (km.labels[i] === m) members.push(i);
    const profile: Record<string, number> = {};
    features.forEach((f, j) => {
      profile[f] = median(members.map((i) => raw[i * p + j] as number));
    });
    segments.push({ id: m, key, name, size: members.length, profile });
    centroids.push(Array.from(km.centroids.subarray(m * p, m * p + p)));
  }
  const assignments: Record<string, number> = {};
  snap.data.ids.forEach((id, i) => {
    assignments[id] = km.labels[i] as number;
  });
  const proj = pca2(z, p);
  const model: SegmentModel = {
    format: 'gymedge-segments/1',
    createdAt: new Date().toISOString(),
    asOf,
    k,
    features: [...features],
    log,
    means: st.means,
    sds: st.sds,
    centroids,
    segments,
    assignments,
    quality: {
      candidates,
      chosenK: k,
      elbowK,
      kmeansSilhouette: best.silhouette,
      gmmSilhouette: gmmSil,
      gmmAgreementAri: adjustedRand(km.labels, mix.labels),
      gmmLogLikelihood: mix.logLikelihood,
    },
  };
  return {
    model,
    projection: proj.projected,
    explained: proj.explained,
    ids: [...snap.data.ids],
    labels: km.labels,
    raw,
  };
}

/** The segment of a new feature row (original units), by the nearest centroid. */
export function segmentOf(model: SegmentModel, values: readonly number[]): number {
  const p = model.features.length;
  const z = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const v = values[j] as number;
    const tv = model.log[j] ? Math.log1p(Math.max(0, v)) : v;
    z[j] = (tv - (model.means[j] as number)) / (model.sds[j] as number);
  }
  return assign(Float64Array.from(model.centroids.flat()), model.k, z, 0, p);
}
