/**
 * One histogram-based tree grower for every tree model. It fits a second-order (gradient, hessian)
 * objective: with g = -y, h = 1 and no L2 it is the classic CART variance (= Gini for 0/1 labels)
 * tree whose leaves are churn rates; with logistic-loss gradients it is a gradient-boosting tree.
 * Growth is best-first (the split with the largest gain next), bounded by leaves and depth, and a
 * child's histogram is the parent's minus its sibling's.
 */
import type { BinnedMatrix, Binner } from './binning.ts';
import type { Rng } from './rng.ts';

/** A fitted tree in flat arrays. A node is a leaf when `left[i] === -1`. */
export interface Tree {
  feature: number[];
  /** Float32-exact threshold: `fround(x[feature]) <= threshold` goes left. */
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf output (meaningful on leaves). */
  value: number[];
  /** Training samples (bootstrap-weighted) that reached the node: TreeSHAP's cover. */
  cover: number[];
}

export interface GrowParams {
  maxLeaves: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 on leaf values (0 for CART). */
  l2: number;
  minHessian: number;
  /** Features tried per split, all when undefined (random forests use about sqrt(p)). */
  maxFeatures?: number;
  /** Smallest gain worth a split. */
  minGain: number;
}

interface Candidate {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array;
  gain: number;
  feature: number;
  bin: number;
  g: number;
  h: number;
  c: number;
}

const STRIDE = 3;

/**
 * Grows one tree.
 * @param index rows to use (their order is changed); `g`, `h`, `w` are per row of the full matrix.
 * @param leafOf if given, receives the leaf reached by each row in `index` (for boosting updates).
 */
export function growTree(
  binned: BinnedMatrix,
  binner: Binner,
  index: Int32Array,
  g: Float64Array,
  h: Float64Array,
  w: Float64Array | undefined,
  params: GrowParams,
  rng: Rng | undefined,
  leafOf?: Int32Array,
): Tree {
  const p = binned.length;
  const nbins = binner.edges.map((e) => e.length + 1);
  const offsets: number[] = [];
  let total = 0;
  for (let f = 0; f < p; f++) {
    offsets.push(total);
    total += (nbins[f] as number) * STRIDE;
  }
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [], cover: [] };
  const addNode = (gs: number, hs: number, cs: number): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(-gs / (hs + params.l2));
    tree.cover.push(cs);
    return tree.feature.length - 1;
  };

  const buildHist = (start: number, end: number): Float64Array => {
    const hist = new Float64Array(total);
    for (let f = 0; f < p; f++) {
      const col = binned[f] as Uint8Array;
      const off = offsets[f] as number;
      for (let k = start; k < end; k++) {
        const i = index[k] as number;
        const o = off + (col[i] as number) * STRIDE;
        hist[o] = (hist[o] as number) + (g[i] as number);
        hist[o + 1] = (hist[o + 1] as number) + (h[i] as number);
        hist[o + 2] = (hist[o + 2] as number) + (w === undefined ? 1 : (w[i] as number));
      }
    }
    return hist;
  };

  const features = Array.from({ length: p }, (_, f) => f);
  const evaluate = (cand: Candidate): void => {
    cand.gain = 0;
    cand.feature = -1;
    if (cand.depth >= params.maxDepth || cand.c < 2 * params.minSamplesLeaf) return;
    const parentScore = (cand.g * cand.g) / (cand.h + params.l2);
    let tried = features;
    if (params.maxFeatures !== undefined && params.maxFeatures < p && rng !== undefined) {
      tried = rng.shuffle(features.slice()).slice(0, params.maxFeatures);
    }
    for (const f of tried) {
      const off = offsets[f] as number;
      const nb = nbins[f] as number;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        const o = off + b * STRIDE;
        gl += cand.hist[o] as number;
        hl += cand.hist[o + 1] as number;
        cl += cand.hist[o + 2] as number;
        if (cl < params.minSamplesLeaf || hl < params.minHessian) continue;
        const cr = cand.c - cl;
        const hr = cand.h - hl;
        if (cr < params.minSamplesLeaf || hr < params.minHessian) break;
        const gr = cand.g - gl;
        const gain = (gl * gl) / (hl + params.l2) + (gr * gr) / (hr + params.l2) - parentScore;
        if (gain > cand.gain + 1e-12) {
          cand.gain = gain;
          cand.feature = f;
          cand.bin = b;
        }
      }
    }
  };

  const n = index.length;
  const rootHist = buildHist(0, n);
  let g0 = 0;
  let h0 = 0;
  let c0 = 0;
  {
    const off = 0;
    const nb = nbins[0] as number;
    for (let b = 0; b < nb; b++) {
      g0 += rootHist[off + b * STRIDE] as number;
      h0 += rootHist[off + b * STRIDE + 1] as number;
      c0 += rootHist[off + b * STRIDE + 2] as number;
    }
  }
  const root: Candidate = {
    node: addNode(g0, h0, c0),
    start: 0,
    end: n,
    depth: 0,
    hist: rootHist,
    gain: 0,
    feature: -1,
    bin: 0,
    g: g0,
    h: h0,
    c: c0,
  };
  evaluate(root);
  const open: Candidate[] = [root];
  let leaves = 1;
  while (open.length > 0 && leaves < params.maxLeaves) {
    let best = 0;
    for (let k = 1; k < open.length; k++)
      if ((open[k] as Candidate).gain > (open[best] as Candidate).gain) best = k;
    const cand = open[best] as Candidate;
    if (cand.feature < 0 || cand.gain <= params.minGain) break;
    open.splice(best, 1);
    // partition rows: bin <= cand.bin goes left
    const col = binned[cand.feature] as Uint8Array;
    let lo = cand.start;
    let hi = cand.end - 1;
    while (lo <= hi) {
      if ((col[index[lo] as number] as number) <= cand.bin) lo++;
      else {
        const t = index[lo] as number;
        index[lo] = index[hi] as number;
        index[hi] = t;
        hi--;
      }
    }
    const mid = lo;
    const leftSmaller = mid - cand.start <= cand.end - mid;
    const small = leftSmaller ? buildHist(cand.start, mid) : buildHist(mid, cand.end);
    const large = cand.hist;
    for (let k = 0; k < total; k++) large[k] = (large[k] as number) - (small[k] as number);
    const leftHist = leftSmaller ? small : large;
    const rightHist = leftSmaller ? large : small;
    const sums = (hist: Float64Array): [number, number, number] => {
      let gs = 0;
      let hs = 0;
      let cs = 0;
      const nb = nbins[0] as number;
      for (let b = 0; b < nb; b++) {
        gs += hist[b * STRIDE] as number;
        hs += hist[b * STRIDE + 1] as number;
        cs += hist[b * STRIDE + 2] as number;
      }
      return [gs, hs, cs];
    };
    const [gl, hl, cl] = sums(leftHist);
    const [gr, hr, cr] = sums(rightHist);
    const leftNode = addNode(gl, hl, cl);
    const rightNode = addNode(gr, hr, cr);
    tree.feature[cand.node] = cand.feature;
    tree.threshold[cand.node] = (binner.edges[cand.feature] as Float64Array)[cand.bin] as number;
    tree.left[cand.node] = leftNode;
    tree.right[cand.node] = rightNode;
    const mk = (
      node: number,
      start: number,
      end: number,
      hist: Float64Array,
      gs: number,
      hs: number,
      cs: number,
    ) => {
      const c: Candidate = {
        node,
        start,
        end,
        depth: cand.depth + 1,
        hist,
        gain: 0,
        feature: -1,
        bin: 0,
        g: gs,
        h: hs,
        c: cs,
      };
      evaluate(c);
      return c;
    };
    open.push(mk(leftNode, cand.start, mid, leftHist, gl, hl, cl));
    open.push(mk(rightNode, mid, cand.end, rightHist, gr, hr, cr));
    leaves++;
  }
  if (leafOf !== undefined) {
    for (const c of open) for (let k = c.start; k < c.end; k++) leafOf[k] = c.node;
  }
  return tree;
}

/** The leaf a row reaches, comparing float32 values as onnxruntime does. */
export function leafIndex(tree: Tree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  while ((tree.left[node] as number) !== -1) {
    const v = Math.fround(x[offset + (tree.feature[node] as number)] as number);
    node = v <= (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
  }
  return node;
}

export function treeDepth(tree: Tree): number {
  const walk = (node: number): number =>
    (tree.left[node] as number) === -1
      ? 0
      : 1 + Math.max(walk(tree.left[node] as number), walk(tree.right[node] as number));
  return walk(0);
}
