/**
 * Exact SHAP values of the calibrated log-odds.
 * - Trees: path-dependent TreeSHAP (Lundberg et al. 2018, algorithm 2), exact for the tree's own
 *   conditional expectations (covers). Summed over the trees of a forest or a boosted ensemble.
 * - Linear: φ_j = w_j (x_j − mean_j), exact under feature independence.
 * In both cases baseline + Σ φ equals the model's margin for that row (local accuracy).
 */
import type { CompiledModel } from './calibration.ts';
import type { Tree } from './tree.ts';

export interface Explanation {
  /** Expected margin over the training data. */
  baseline: number;
  /** One value per feature, in log-odds. */
  values: Float64Array;
}

interface PathEl {
  d: number;
  z: number;
  o: number;
  w: number;
}

function extend(m: PathEl[], pz: number, po: number, pi: number): PathEl[] {
  const l = m.length;
  const out = m.map((e) => ({ ...e }));
  out.push({ d: pi, z: pz, o: po, w: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    const ei = out[i] as PathEl;
    const ej = out[i + 1] as PathEl;
    ej.w += (po * ei.w * (i + 1)) / (l + 1);
    ei.w = (pz * ei.w * (l - i)) / (l + 1);
  }
  return out;
}

function unwind(m: PathEl[], i: number): PathEl[] {
  const l = m.length - 1;
  const out = m.map((e) => ({ ...e }));
  const { o, z } = out[i] as PathEl;
  let n = (out[l] as PathEl).w;
  for (let j = l - 1; j >= 0; j--) {
    const e = out[j] as PathEl;
    if (o !== 0) {
      const t = e.w;
      e.w = (n * (l + 1)) / ((j + 1) * o);
      n = t - (e.w * z * (l - j)) / (l + 1);
    } else {
      e.w = (e.w * (l + 1)) / (z * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    const a = out[j] as PathEl;
    const b = out[j + 1] as PathEl;
    a.d = b.d;
    a.z = b.z;
    a.o = b.o;
  }
  out.pop();
  return out;
}

/** Adds one tree's SHAP values for row `x` to `phi`. */
export function treeShap(tree: Tree, x: ArrayLike<number>, phi: Float64Array, offset = 0): void {
  const recurse = (j: number, path: PathEl[], pz: number, po: number, pi: number): void => {
    const m = extend(path, pz, po, pi);
    if ((tree.left[j] as number) === -1) {
      const v = tree.value[j] as number;
      for (let i = 1; i < m.length; i++) {
        const u = unwind(m, i);
        let w = 0;
        for (const e of u) w += e.w;
        const el = m[i] as PathEl;
        phi[el.d] = (phi[el.d] as number) + w * (el.o - el.z) * v;
      }
      return;
    }
    const f = tree.feature[j] as number;
    const goLeft = Math.fround(x[offset + f] as number) <= (tree.threshold[j] as number);
    const hot = goLeft ? (tree.left[j] as number) : (tree.right[j] as number);
    const cold = goLeft ? (tree.right[j] as number) : (tree.left[j] as number);
    let iz = 1;
    let io = 1;
    let mm = m;
    const k = m.findIndex((e, idx) => idx > 0 && e.d === f);
    if (k > 0) {
      iz = (m[k] as PathEl).z;
      io = (m[k] as PathEl).o;
      mm = unwind(m, k);
    }
    const cover = tree.cover[j] as number;
    recurse(hot, mm, (iz * (tree.cover[hot] as number)) / cover, io, f);
    recurse(cold, mm, (iz * (tree.cover[cold] as number)) / cover, 0, f);
  };
  recurse(0, [], 1, 1, -1);
}

/** E[tree output] under the training distribution (cover-weighted leaves). */
export function treeExpectation(tree: Tree): number {
  let s = 0;
  const total = tree.cover[0] as number;
  for (let j = 0; j < tree.value.length; j++) {
    if ((tree.left[j] as number) === -1) s += ((tree.value[j] as number) * (tree.cover[j] as number)) / total;
  }
  return s;
}

export function explain(model: CompiledModel, x: ArrayLike<number>, offset = 0): Explanation {
  if (model.kind === 'linear') {
    const p = model.weights.length;
    const values = new Float64Array(p);
    let baseline = model.bias;
    for (let j = 0; j < p; j++) {
      const w = model.weights[j] as number;
      const mean = model.means[j] as number;
      values[j] = w * (Math.fround(x[offset + j] as number) - mean);
      baseline += w * mean;
    }
    return { baseline, values };
  }
  let p = 0;
  for (const t of model.trees) for (const f of t.feature) if (f + 1 > p) p = f + 1;
  return explainTrees(model.trees, model.base, x, offset, p);
}

function explainTrees(
  trees: Tree[],
  base: number,
  x: ArrayLike<number>,
  offset: number,
  p: number,
): Explanation {
  const values = new Float64Array(Math.max(p, 1));
  let baseline = base;
  for (const t of trees) {
    treeShap(t, x, values, offset);
    baseline += treeExpectation(t);
  }
  return { baseline, values };
}

/** SHAP for every row; `cols` sets the width of the result. */
export function explainAll(model: CompiledModel, x: Float64Array, cols: number): Explanation[] {
  const n = x.length / cols;
  const out: Explanation[] = [];
  for (let i = 0; i < n; i++) {
    const e = explain(model, x, i * cols);
    if (e.values.length < cols) {
      const v = new Float64Array(cols);
      v.set(e.values);
      out.push({ baseline: e.baseline, values: v });
    } else out.push(e);
  }
  return out;
}

/** Mean |SHAP| per feature: global importance. */
export function globalImportance(expl: Explanation[], cols: number): Float64Array {
  const imp = new Float64Array(cols);
  for (const e of expl)
    for (let j = 0; j < cols; j++) imp[j] = (imp[j] as number) + Math.abs(e.values[j] ?? 0);
  for (let j = 0; j < cols; j++) imp[j] = (imp[j] as number) / Math.max(1, expl.length);
  return imp;
}
