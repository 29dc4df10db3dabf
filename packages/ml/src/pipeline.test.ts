import { describe, expect, it } from 'vitest';
import { cleanData, normaliseId } from './clean.ts';
import { buildSnapshot, fitFeatureSpec } from './features.ts';
import {
  assertTrainable,
  scoreDataset,
  scoringSnapshot,
  TrainingDataError,
  trainFromEvents,
  trainFromTable,
} from './pipeline.ts';
import { Rng } from './rng.ts';
import { adjustedRand, gmm, kmeans, silhouette } from './segment.ts';
import { synthesize } from './synth.ts';
import { QUICK_GRID } from './train.ts';

describe('cleaning', () => {
  it('reports duplicates, numeric ids, returns, outliers, unknown customers and future dates', () => {
    const customers = [
      { id: '00123', age: 30, region: 'Centro' },
      { id: '123', region: 'Centro' },
      { id: '7', gender: 'female' },
    ];
    const acts = [
      ...Array.from({ length: 30 }, (_, i) => ({
        customerId: '123.0',
        date: `2026-0${1 + (i % 9)}-10`,
        kind: 'payment' as const,
        amount: 100 + i,
      })),
      { customerId: '123', date: '2026-03-11', kind: 'payment' as const, amount: -50 },
      { customerId: '7', date: '2026-03-11', kind: 'payment' as const, amount: 99_999 },
      { customerId: '7', date: '2026-03-11', kind: 'payment' as const, amount: 99_999 },
      { customerId: 'X9', date: '2026-04-01', kind: 'payment' as const, amount: 80 },
      { customerId: '7', date: '2030-01-01', kind: 'payment' as const, amount: 80 },
    ];
    const c = cleanData(customers, acts, { today: '2026-12-01' });
    expect(normaliseId('000123.0')).toBe('123');
    expect(c.report.duplicateCustomers).toBe(1);
    expect(c.report.idsNormalised).toBeGreaterThanOrEqual(31);
    expect(c.report.returns).toBe(1);
    expect(c.report.returnsTotal).toBe(50);
    expect(c.report.duplicateActivities).toBe(1);
    expect(c.report.outliersCapped).toBe(1);
    expect(c.report.unknownCustomers).toBe(1);
    expect(c.report.unknownCustomerSample).toEqual(['X9']);
    expect(c.report.futureDatesDropped).toBe(1);
    expect(c.report.missing.age).toBe(2); // 7 and X9
    expect(c.customers.get('123')?.age).toBe(30);
  });
});

describe('features', () => {
  it('never look past the cutoff (changing the future leaves the features alone)', () => {
    const s = synthesize({ customers: 200, seed: 3 });
    const a = cleanData(s.customers, s.activities, { today: '2026-12-01' });
    const cutoff = '2026-06-01';
    const future = s.activities.map((x) => (x.date > cutoff ? { ...x, amount: 1, date: '2026-10-30' } : x));
    const b = cleanData(s.customers, future, { today: '2026-12-01' });
    const spec = fitFeatureSpec(a, 90);
    const fa = buildSnapshot(a, spec, cutoff, { labelMode: 'none' });
    const fb = buildSnapshot(b, spec, cutoff, { labelMode: 'none' });
    expect(Array.from(fb.data.x)).toEqual(Array.from(fa.data.x));
  });
});

describe('pipeline', () => {
  it('trains on synthetic exports with a time-based split and gives reasons with actions', () => {
    const s = synthesize({ customers: 900, seed: 5 });
    const clean = cleanData(s.customers, s.activities, { today: '2026-12-01' });
    const out = trainFromEvents(clean, { grid: QUICK_GRID, folds: 3 });
    expect(out.metrics.split).toMatch(/time-based/);
    expect(out.metrics.labelMode).toBe('inactivity');
    const champ = out.metrics.models.find((m) => m.kind === out.metrics.champion);
    expect(champ?.test.rocAuc).toBeGreaterThan(0.8);
    const snap = scoringSnapshot(out.model, clean);
    const scores = scoreDataset(out.model, snap.data);
    expect(scores).toHaveLength(clean.customers.size);
    const riskiest = scores.sort((x, y) => y.probability - x.probability)[0];
    expect(riskiest?.reasons.length).toBeGreaterThan(0);
    expect(riskiest?.reasons[0]?.pt).not.toBe(riskiest?.reasons[0]?.en);
    expect(riskiest?.reasons[0]?.actionPt.length).toBeGreaterThan(5);
  });

  it('refuses data that cannot make a meaningful model, saying why', () => {
    expect(() => assertTrainable(new Uint8Array(100), 'x')).toThrow(/nobody churned/);
    expect(() => assertTrainable(new Uint8Array(100).fill(1), 'x')).toThrow(/everybody churned/);
    expect(() => assertTrainable(Uint8Array.from([0, 1, 0]), 'x')).toThrow(/only 3 rows/);
    const y = new Uint8Array(100);
    y[0] = 1;
    expect(() => assertTrainable(y, 'x')).toThrow(/only 1 churners/);
    const s = synthesize({ customers: 50, months: 4, seed: 1 });
    const clean = cleanData(s.customers, s.activities, { today: '2026-12-01' });
    expect(() => trainFromEvents(clean, { grid: QUICK_GRID })).toThrow(TrainingDataError);
    expect(() => trainFromEvents(clean, { grid: QUICK_GRID })).toThrow(/history covers \d+ days/);
  });

  it('trains from a ready feature table', () => {
    const rng = new Rng(2);
    const n = 400;
    const x = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 2] = rng.int(3) * 6;
      x[i * 2 + 1] = rng.normal();
      y[i] = rng.next() < ((x[i * 2] as number) === 0 ? 0.6 : 0.1) ? 1 : 0;
    }
    const out = trainFromTable(
      { names: ['Contract_period', 'noise'], x, y, ids: [...Array(n).keys()].map(String) },
      'Churn',
      {
        grid: QUICK_GRID,
        folds: 3,
      },
    );
    expect(out.metrics.importance[0]?.feature).toBe('Contract_period');
  });
});

describe('segmentation', () => {
  it('k-means++ and the Gaussian mixture recover three clear groups; silhouette prefers k = 3', () => {
    const rng = new Rng(8);
    const centres = [
      [0, 0],
      [6, 0],
      [0, 6],
    ];
    const n = 300;
    const x = new Float64Array(n * 2);
    const truth = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      truth[i] = c;
      x[i * 2] = (centres[c]?.[0] as number) + rng.normal();
      x[i * 2 + 1] = (centres[c]?.[1] as number) + rng.normal();
    }
    const km = kmeans(x, 2, 3);
    expect(adjustedRand(km.labels, truth)).toBeGreaterThan(0.95);
    expect(adjustedRand(gmm(x, 2, 3).labels, truth)).toBeGreaterThan(0.95);
    const s = [2, 3, 4, 5].map((k) => silhouette(x, 2, kmeans(x, 2, k).labels, k));
    expect(s.indexOf(Math.max(...s))).toBe(1);
  });
});
