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

/** Depth of a tree (edges on the longest root-to-leaf path). */
function depthOf(tree: Tree): number {
  let max = 0;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [number, number];
    if ((tree.left[node] as number) === -1) max = Math.max(max, d);
    else {
      stack.push([tree.left[node] as number, d + 1]);
      stack.push([tree.right[node] as number, d + 1]);
    }
  }
  return max;
}

/**
 * Adds one tree's SHAP values for row `x` to `phi`. Path-dependent TreeSHAP on flat typed arrays: each
 * recursion level works on its own slice of one buffer (no allocation per node).
 */
export function treeShap(tree: Tree, x: ArrayLike<number>, phi: Float64Array, offset = 0): void {
  const maxd = depthOf(tree) + 2;
  const size = (maxd + 2) * (maxd + 3);
  const D = new Int32Array(size);
  const Z = new Float64Array(size);
  const O = new Float64Array(size);
  const W = new Float64Array(size);
  const extend = (at: number, depth: number, pz: number, po: number, pi: number): void => {
    D[at + depth] = pi;
    Z[at + depth] = pz;
    O[at + depth] = po;
    W[at + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      W[at + i + 1] = (W[at + i + 1] as number) + (po * (W[at + i] as number) * (i + 1)) / (depth + 1);
      W[at + i] = (pz * (W[at + i] as number) * (depth - i)) / (depth + 1);
    }
  };
  const unwind = (at: number, depth: number, index: number): void => {
    const o = O[at + index] as number;
    const z = Z[at + index] as number;
    let next = W[at + depth] as number;
    for (let i = depth - 1; i >= 0; i--) {
      if (o !== 0) {
        const t = W[at + i] as number;
        W[at + i] = (next * (depth + 1)) / ((i + 1) * o);
        next = t - ((W[at + i] as number) * z * (depth - i)) / (depth + 1);
      } else {
        W[at + i] = ((W[at + i] as number) * (depth + 1)) / (z * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      D[at + i] = D[at + i + 1] as number;
      Z[at + i] = Z[at + i + 1] as number;
      O[at + i] = O[at + i + 1] as number;
    }
  };
  const unwoundSum = (at: number, depth: number, index: number): number => {
    const o = O[at + index] as number;
    const z = Z[at + index] as number;
    let next = W[at + depth] as number;
    let total = 0;
    if (o !== 0) {
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = next / ((i + 1) * o);
        total += tmp;
        next = (W[at + i] as number) - tmp * z * (depth - i);
      }
    } else {
      for (let i = depth - 1; i >= 0; i--) total += (W[at + i] as number) / (z * (depth - i));
    }
    return total * (depth + 1);
  };
  const recurse = (
    node: number,
    depth: number,
    parentAt: number,
    pz: number,
    po: number,
    pi: number,
  ): void => {
    const at = parentAt + depth + 1;
    D.copyWithin(at, parentAt, parentAt + depth + 1);
    Z.copyWithin(at, parentAt, parentAt + depth + 1);
    O.copyWithin(at, parentAt, parentAt + depth + 1);
    W.copyWithin(at, parentAt, parentAt + depth + 1);
    extend(at, depth, pz, po, pi);
    if ((tree.left[node] as number) === -1) {
      const v = tree.value[node] as number;
      for (let i = 1; i <= depth; i++) {
        const w = unwoundSum(at, depth, i);
        const f = D[at + i] as number;
        phi[f] = (phi[f] as number) + w * ((O[at + i] as number) - (Z[at + i] as number)) * v;
      }
      return;
    }
    const f = tree.feature[node] as number;
    const goLeft = Math.fround(x[offset + f] as number) <= (tree.threshold[node] as number);
    const hot = goLeft ? (tree.left[node] as number) : (tree.right[node] as number);
    const cold = goLeft ? (tree.right[node] as number) : (tree.left[node] as number);
    let iz = 1;
    let io = 1;
    let d = depth;
    let k = 0;
    for (; k <= d; k++) if ((D[at + k] as number) === f) break;
    if (k !== d + 1) {
      iz = Z[at + k] as number;
      io = O[at + k] as number;
      unwind(at, d, k);
      d -= 1;
    }
    const cover = tree.cover[node] as number;
    recurse(hot, d + 1, at, (iz * (tree.cover[hot] as number)) / cover, io, f);
    recurse(cold, d + 1, at, (iz * (tree.cover[cold] as number)) / cover, 0, f);
  };
  recurse(0, 0, 0, 1, 1, -1);
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
