import { describe, expect, it } from 'vitest';
import { compile, compiledMargin, fitPlatt } from './calibration.ts';
import { averagePrecision, binaryMetrics, rocAuc } from './metrics.ts';
import { fitModel, type ModelKind, rawProbability, scoreAll, sigmoid } from './models.ts';
import { Rng } from './rng.ts';
import { explain, treeExpectation, treeShap } from './shap.ts';
import { pickChampion, QUICK_GRID, trainAll } from './train.ts';
import type { Tree } from './tree.ts';

/** Churn driven by two of five features, with noise: what a model should find. */
function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const p = 5;
  const x = new Float64Array(n * p);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) x[i * p + j] = rng.normal();
    x[i * p + 3] = Math.round(x[i * p + 3] as number); // a discrete column
    const z =
      1.8 * (x[i * p] as number) -
      1.2 * (x[i * p + 1] as number) +
      ((x[i * p + 2] as number) > 0.5 ? 1 : 0) -
      0.5;
    y[i] = rng.next() < sigmoid(z) ? 1 : 0;
  }
  return { names: ['a', 'b', 'c', 'd', 'e'], x, y, ids: Array.from({ length: n }, (_, i) => String(i)) };
}

describe('metrics', () => {
  it('ROC AUC equals the share of (churner, stayer) pairs ranked right, ties counting half', () => {
    const rng = new Rng(3);
    const y = Uint8Array.from({ length: 300 }, () => (rng.next() < 0.3 ? 1 : 0));
    const s = Float64Array.from({ length: 300 }, () => Math.round(rng.next() * 20) / 20);
    let good = 0;
    let pairs = 0;
    for (let i = 0; i < 300; i++)
      for (let j = 0; j < 300; j++) {
        if (y[i] !== 1 || y[j] !== 0) continue;
        pairs++;
        good += (s[i] as number) > (s[j] as number) ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    expect(rocAuc(y, s)).toBeCloseTo(good / pairs, 12);
  });

  it('average precision and the confusion matrix of a small known case', () => {
    const y = [1, 0, 1, 0];
    const s = [0.9, 0.8, 0.7, 0.1];
    expect(averagePrecision(y, s)).toBeCloseTo((1 + 2 / 3) / 2, 12);
    const m = binaryMetrics(y, s);
    expect(m.confusion).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBe(1);
  });
});

describe('models', () => {
  const train = data(1500, 1);
  const test = data(800, 2);
  for (const kind of ['logistic', 'tree', 'forest', 'hgb'] as ModelKind[]) {
    it(`${kind} learns the signal (held-out ROC AUC well above chance)`, () => {
      const params = { ...QUICK_GRID[kind][0] };
      const m = fitModel(kind, train.x, train.y, 5, params);
      const auc = rocAuc(test.y, scoreAll(m.scorer, test.x, 5));
      expect(auc).toBeGreaterThan(kind === 'tree' ? 0.75 : 0.8);
    });
  }

  it('Platt calibration fixes over-confident scores (lower Brier than the raw probabilities)', () => {
    const m = fitModel('hgb', train.x, train.y, 5, {
      nEstimators: 300,
      learningRate: 0.3,
      maxLeaves: 31,
      minSamplesLeaf: 5,
    });
    const oofLike = scoreAll(m.scorer, test.x, 5);
    const platt = fitPlatt(oofLike, test.y);
    expect(platt.a).toBeLessThan(1);
    const raw = binaryMetrics(
      test.y,
      oofLike.map((s) => rawProbability('hgb', s)),
    );
    const cal = binaryMetrics(
      test.y,
      oofLike.map((s) => sigmoid(platt.a * s + platt.b)),
    );
    expect(cal.brier).toBeLessThan(raw.brier);
  });

  it('trains every family, reports its metrics and picks the champion by the stated rule', () => {
    const r = trainAll(train, test, { grid: QUICK_GRID, folds: 3 });
    expect(r.results.map((x) => x.kind)).toEqual(['logistic', 'tree', 'hgb', 'forest']);
    for (const x of r.results) {
      expect(x.test.rocAuc).toBeGreaterThan(0.7);
      expect(x.test.brier).toBeLessThan(0.25);
      expect(x.cvRocAuc).toBeGreaterThan(0.7);
    }
    expect(r.champion).toBe(pickChampion(r.results));
    // The true model is linear: logistic regression is best or within the margin, so it wins.
    expect(r.champion).toBe('logistic');
  });

  it('the champion rule prefers the simpler model only within the margin', () => {
    expect(
      pickChampion([
        { kind: 'forest', cvRocAuc: 0.9 },
        { kind: 'logistic', cvRocAuc: 0.897 },
      ]),
    ).toBe('logistic');
    expect(
      pickChampion([
        { kind: 'forest', cvRocAuc: 0.9 },
        { kind: 'logistic', cvRocAuc: 0.89 },
      ]),
    ).toBe('forest');
  });
});

/** Exact Shapley values by enumerating feature subsets with the tree's cover-weighted expectation. */
function bruteShap(tree: Tree, x: number[], p: number): number[] {
  const expect_ = (node: number, inS: boolean[]): number => {
    if ((tree.left[node] as number) === -1) return tree.value[node] as number;
    const f = tree.feature[node] as number;
    const l = tree.left[node] as number;
    const r = tree.right[node] as number;
    if (inS[f])
      return Math.fround(x[f] as number) <= (tree.threshold[node] as number)
        ? expect_(l, inS)
        : expect_(r, inS);
    const c = tree.cover[node] as number;
    return (
      ((tree.cover[l] as number) / c) * expect_(l, inS) + ((tree.cover[r] as number) / c) * expect_(r, inS)
    );
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(p).fill(0);
  for (let mask = 0; mask < 1 << p; mask++) {
    const size = [...Array(p).keys()].filter((j) => mask & (1 << j)).length;
    for (let i = 0; i < p; i++) {
      if (mask & (1 << i)) continue;
      const s = [...Array(p).keys()].map((j) => (mask & (1 << j)) !== 0);
      const w = (fact(size) * fact(p - size - 1)) / fact(p);
      const without = expect_(0, s);
      s[i] = true;
      phi[i] = (phi[i] as number) + w * (expect_(0, s) - without);
    }
  }
  return phi;
}

describe('TreeSHAP', () => {
  it('equals brute-force Shapley values and adds up to the prediction', () => {
    const d = data(600, 4);
    const m = fitModel('forest', d.x, d.y, 5, { nEstimators: 3, maxDepth: 6, minSamplesLeaf: 3 });
    if (m.scorer.kind === 'logistic') throw new Error('expected trees');
    for (const tree of m.scorer.trees) {
      for (let r = 0; r < 5; r++) {
        const x = Array.from(d.x.subarray(r * 5, r * 5 + 5));
        const fast = new Float64Array(5);
        treeShap(tree, x, fast);
        const slow = bruteShap(tree, x, 5);
        for (let j = 0; j < 5; j++) expect(fast[j]).toBeCloseTo(slow[j] as number, 10);
      }
    }
    const c = compile(m.scorer, { a: 2, b: -1 });
    for (let r = 0; r < 20; r++) {
      const e = explain(c, d.x, r * 5);
      const sum = e.values.reduce((s, v) => s + v, e.baseline);
      expect(sum).toBeCloseTo(compiledMargin(c, d.x, r * 5), 9);
    }
    expect(treeExpectation(m.scorer.trees[0] as Tree)).toBeGreaterThan(0);
  });

  it('linear SHAP is w·(x − mean) and adds up to the margin', () => {
    const d = data(500, 5);
    const m = fitModel('logistic', d.x, d.y, 5, { C: 1 });
    const c = compile(m.scorer, { a: 1, b: 0 });
    const e = explain(c, d.x, 0);
    expect(e.values.reduce((s, v) => s + v, e.baseline)).toBeCloseTo(compiledMargin(c, d.x, 0), 5);
  });
});
