// k-fold cross-validation as in CS231n: split the training set into `folds` parts
// (np.array_split sizes: the first N mod folds parts get one extra row), train on all but
// one, score on the held-out one, and report every fold's score with their mean and std.

import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { indexSelect } from "../ops/indexing.js";
import { checkFeatures, checkLabels, checkPositiveInt, generatorFor, permutation } from "./util.js";

export interface KFoldOptions {
  /** Number of folds (default 5). */
  folds?: number;
  /** Shuffle the rows before splitting (default false: contiguous folds, as in the course). */
  shuffle?: boolean;
  /** Seed of the shuffle (default: the global generator). */
  seed?: number;
}

export interface Fold {
  /** Row indices to train on (ascending unless shuffled). */
  train: Int32Array;
  /** Row indices to validate on. */
  val: Int32Array;
}

/** The k folds of n rows: every row is in exactly one validation part. */
export function kFold(n: number, options: KFoldOptions = {}): Fold[] {
  const { folds = 5, shuffle = false, seed } = options;
  checkPositiveInt("kFold", "folds", folds, 2);
  checkPositiveInt("kFold", "n", n, 0);
  if (folds > n) throw new Error(`kFold: cannot make ${folds} folds from ${n} rows (need folds ≤ rows)`);
  let order: Int32Array;
  if (shuffle) order = permutation(n, generatorFor(seed));
  else { order = new Int32Array(n); for (let i = 0; i < n; i++) order[i] = i; }
  const base = Math.floor(n / folds), extra = n % folds;
  const out: Fold[] = [];
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = base + (f < extra ? 1 : 0);
    const val = order.slice(start, start + size);
    const train = new Int32Array(n - size);
    train.set(order.subarray(0, start));
    train.set(order.subarray(start + size), start);
    out.push({ train, val });
    start += size;
  }
  return out;
}

/** Anything with fit and score (every classifier in `classic`). */
export interface Scorable {
  fit(X: Tensor, y: Tensor): unknown;
  score(X: Tensor, y: Tensor): number;
}

export interface CrossValidateResult {
  /** One score per fold, in fold order. */
  scores: number[];
  mean: number;
  /** Population standard deviation of the scores (numpy's default, ddof = 0). */
  std: number;
}

/**
 * k-fold cross-validation: for each fold, `makeModel()` builds a fresh model, fit() on the
 * other folds, score() on this one.
 *
 * ```ts
 * const { mean } = classic.crossValidate(() => new classic.KNearestNeighbor({ k: 5 }), X, y, { folds: 5 });
 * ```
 */
export function crossValidate(makeModel: () => Scorable, X: Tensor, y: Tensor, options: KFoldOptions = {}): CrossValidateResult {
  if (typeof makeModel !== "function") throw new Error(`crossValidate: makeModel must be a function returning a fresh model, got ${typeof makeModel}`);
  const x = checkFeatures("crossValidate", X);
  checkLabels("crossValidate", y, x.shape[0]);
  const scores: number[] = [];
  for (const { train, val } of kFold(x.shape[0], options)) {
    const ti = tensor(train, { dtype: "int32" }), vi = tensor(val, { dtype: "int32" });
    const model = makeModel();
    model.fit(indexSelect(x, 0, ti), indexSelect(y, 0, ti));
    scores.push(model.score(indexSelect(x, 0, vi), indexSelect(y, 0, vi)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return { scores, mean, std };
}

/**
 * Indices of a stratified random subset: `perClass` rows of each class (or all of a class
 * when it has fewer), in ascending index order. Useful for cross-validating on part of a
 * large training set.
 */
export function stratifiedSubset(y: Tensor, perClass: number, options: { seed?: number } = {}): Int32Array {
  checkPositiveInt("stratifiedSubset", "perClass", perClass);
  const labels = checkLabels("stratifiedSubset", y, y.shape[0] ?? 0);
  const gen = generatorFor(options.seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i); else byClass.set(labels[i], [i]);
  }
  const picked: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(c)!;
    const p = permutation(rows.length, gen);
    for (let i = 0; i < Math.min(perClass, rows.length); i++) picked.push(rows[p[i]]);
  }
  return Int32Array.from(picked.sort((a, b) => a - b));
}
