// Map-style datasets (torch.utils.data.Dataset): `length` items, fetched by index with `get(i)`.
// Plus the combinators: TensorDataset, Subset, ConcatDataset, randomSplit.

import { Tensor } from "../tensor/tensor.js";
import { type Generator, defaultGenerator } from "../tensor/random.js";

/**
 * A map-style dataset: `dataset.get(i)` is `dataset[i]` in PyTorch and `dataset.length` is
 * `len(dataset)`. `get` may return a Promise (for example when a browser decoder is async);
 * the DataLoader awaits it.
 */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(index: number): T | Promise<T>;
}

/** @internal Checks an index the way Python would complain about it (negative indices allowed). */
export function checkIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index)) throw new Error(`${op}: index must be an integer, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new Error(`${op}: index ${index} is out of range for a dataset of length ${length}`);
  return i;
}

/**
 * Wraps tensors that share their first dimension: item i is `[t0[i], t1[i], ...]`
 * (torch.utils.data.TensorDataset).
 * @example const ds = new data.TensorDataset(x, y); const [xi, yi] = ds.get(0);
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error("TensorDataset: expects at least one tensor");
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensor ${k} is 0-d; every tensor needs a first (sample) dimension`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new Error(`TensorDataset: size mismatch between tensors: tensor ${k} has ${t.shape[0]} samples, tensor 0 has ${tensors[0].shape[0]}`);
      }
    });
    this.tensors = tensors;
  }
  get length(): number { return this.tensors[0].shape[0]; }
  get(index: number): Tensor[] {
    const i = checkIndex("TensorDataset.get", index, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }
}

/** The items of `dataset` at `indices`, in that order (torch.utils.data.Subset). */
export class Subset<T = unknown> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: number[];
  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    this.dataset = dataset;
    this.indices = Array.from(indices);
    this.indices.forEach((j, k) => {
      if (!Number.isInteger(j) || j < 0 || j >= dataset.length) {
        throw new Error(`Subset: indices[${k}] = ${j} is out of range for a dataset of length ${dataset.length}`);
      }
    });
  }
  get length(): number { return this.indices.length; }
  get(index: number): T | Promise<T> {
    return this.dataset.get(this.indices[checkIndex("Subset.get", index, this.length)]);
  }
}

/** Several datasets one after another (torch.utils.data.ConcatDataset). */
export class ConcatDataset<T = unknown> implements Dataset<T> {
  readonly datasets: Dataset<T>[];
  /** cumulativeSizes[k] = total length of datasets[0..k] (PyTorch's `cumulative_sizes`). */
  readonly cumulativeSizes: number[];
  constructor(datasets: Dataset<T>[]) {
    if (!Array.isArray(datasets) || datasets.length === 0) throw new Error("ConcatDataset: datasets should not be an empty array");
    this.datasets = datasets.slice();
    let s = 0;
    this.cumulativeSizes = this.datasets.map((d) => (s += d.length));
  }
  get length(): number { return this.cumulativeSizes[this.cumulativeSizes.length - 1]; }
  get(index: number): T | Promise<T> {
    const i = checkIndex("ConcatDataset.get", index, this.length);
    // Binary search for the first dataset whose cumulative size exceeds i (bisect_right).
    let lo = 0, hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > i) hi = mid; else lo = mid + 1;
    }
    return this.datasets[lo].get(lo === 0 ? i : i - this.cumulativeSizes[lo - 1]);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split).
 * `lengths` are counts summing to the dataset length, or fractions summing to 1 (the remainder
 * after flooring is handed out round-robin, as PyTorch does). Seeded through `generator`
 * (default: the global generator, so `manualSeed` makes it repeatable).
 * @example const [train, val] = data.randomSplit(ds, [0.9, 0.1], new Generator(42));
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], generator: Generator = defaultGenerator): Subset<T>[] {
  const n = dataset.length;
  let counts = lengths.slice();
  const isFractions = counts.every((f) => f >= 0 && f <= 1) && Math.abs(counts.reduce((a, b) => a + b, 0) - 1) < 1e-9 && n !== 1;
  if (isFractions && !counts.every(Number.isInteger)) {
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let k = 0; rest > 0; k = (k + 1) % counts.length, rest--) counts[k] += 1;
  }
  counts.forEach((c, k) => {
    if (!Number.isInteger(c) || c < 0) throw new Error(`randomSplit: lengths[${k}] = ${lengths[k]} is neither a non-negative count nor a fraction`);
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new Error(`randomSplit: sum of input lengths (${total}) does not equal the length of the input dataset (${n})`);
  }
  const perm = randomPermutation(n, generator);
  let start = 0;
  return counts.map((c) => {
    const s = new Subset(dataset, perm.subarray(start, start + c));
    start += c;
    return s;
  });
}

/** @internal Fisher-Yates permutation of 0..n-1 drawn from `g` (the same algorithm as randperm). */
export function randomPermutation(n: number, g: Generator): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}
