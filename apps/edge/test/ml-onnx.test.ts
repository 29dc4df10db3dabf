import {
  compile,
  compiledProbability,
  fitModel,
  fitPlatt,
  type ModelKind,
  Rng,
  scoreAll,
  sigmoid,
  toOnnx,
} from '@gymedge/ml';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxChurnScorer } from '../src/ml/onnx-scorer.ts';

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const p = 6;
  const x = new Float64Array(n * p);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[i * p] = rng.normal() * 30 + 40; // like recency in days
    x[i * p + 1] = rng.int(4) * 3; // discrete, like contract months
    x[i * p + 2] = rng.next(); // shares
    x[i * p + 3] = rng.normal() * 1e3; // money
    x[i * p + 4] = Math.round(rng.next() * 20);
    x[i * p + 5] = rng.normal();
    const z =
      0.04 * ((x[i * p] as number) - 40) - 0.3 * (x[i * p + 1] as number) + 2 * (x[i * p + 2] as number) - 1;
    y[i] = rng.next() < sigmoid(z) ? 1 : 0;
  }
  return { x, y, p };
}

describe('ONNX export served by onnxruntime-node', () => {
  const train = data(1200, 1);
  const test = data(500, 2);
  const params: Record<ModelKind, object> = {
    logistic: { C: 1 },
    tree: { maxDepth: 6, minSamplesLeaf: 10 },
    forest: { nEstimators: 30, minSamplesLeaf: 3 },
    hgb: { nEstimators: 80, maxLeaves: 15, minSamplesLeaf: 20, learningRate: 0.1 },
  };
  for (const kind of ['logistic', 'tree', 'forest', 'hgb'] as ModelKind[]) {
    it(`${kind}: ONNX and in-process calibrated probabilities agree to 1e-6`, async () => {
      const m = fitModel(kind, train.x, train.y, train.p, params[kind]);
      const platt = fitPlatt(scoreAll(m.scorer, train.x, train.p), train.y);
      const c = compile(m.scorer, platt);
      const bytes = toOnnx(c, { features: ['a', 'b', 'c', 'd', 'e', 'f'] });
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({
        features: new ort.Tensor('float32', Float32Array.from(test.x), [500, train.p]),
      });
      const probs = out.probabilities?.data as Float32Array;
      const labels = out.label?.data as BigInt64Array;
      let worst = 0;
      for (let i = 0; i < 500; i++) {
        const mine = compiledProbability(c, test.x, i * train.p);
        worst = Math.max(worst, Math.abs(mine - (probs[2 * i + 1] as number)));
        expect(Math.abs((probs[2 * i] as number) + (probs[2 * i + 1] as number) - 1)).toBeLessThan(1e-6);
        expect(Number(labels[i])).toBe(mine > 0.5 ? 1 : 0);
      }
      expect(worst).toBeLessThan(1e-6);
      const scorer = await OnnxChurnScorer.load(bytes, train.p);
      const one = await scorer.score(test.x.subarray(0, train.p));
      expect(Math.abs((one[0] as number) - compiledProbability(c, test.x, 0))).toBeLessThan(1e-6);
    });
  }
});
