// Shared input checks and small helpers for the classic classifiers.

import { Tensor } from "../tensor/tensor.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { flatten } from "../ops/shape.js";
import { to } from "../ops/elementwise.js";

/**
 * Features as a float [N, D] tensor: 2-d input is used as is, [N, ...] (e.g. images
 * [N, 1, 28, 28]) is flattened to [N, D]. int32 input is refused, like matmul.
 */
export function checkFeatures(opName: string, X: unknown, what = "X"): Tensor {
  if (!(X instanceof Tensor)) throw new Error(`${opName}: ${what} must be a Tensor, got ${X === null ? "null" : typeof X}`);
  if (X.ndim < 2) throw new Error(`${opName}: ${what} must be [N, D] (or [N, ...] to flatten), got shape ${fmtShape(X.shape)}`);
  if (X.dtype === "int32") throw new Error(`${opName}: ${what} must be a float tensor, got int32; convert with .float()`);
  return X.ndim === 2 ? X.detach() : flatten(X.detach(), 1);
}

/** Labels as a plain Int32Array of length n, each in [0, 2^31); names the first bad one. */
export function checkLabels(opName: string, y: unknown, n: number, what = "y"): Int32Array {
  if (!(y instanceof Tensor)) throw new Error(`${opName}: ${what} must be an int32 Tensor, got ${y === null ? "null" : typeof y}`);
  if (y.dtype !== "int32") throw new Error(`${opName}: ${what} must be int32 class labels, got ${y.dtype}; convert with .int()`);
  if (y.ndim !== 1 || y.shape[0] !== n) {
    throw new Error(`${opName}: ${what} must have shape [${n}] (one label per row of X), got ${fmtShape(y.shape)}`);
  }
  const labels = y.toArray() as Int32Array;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) throw new Error(`${opName}: ${what}[${i}] is ${labels[i]}; class labels must be ≥ 0`);
  }
  return labels;
}

/** Same dtype as the reference (a float32 query against float64 training data is promoted). */
export function asDtype(X: Tensor, ref: Tensor): Tensor {
  return X.dtype === ref.dtype ? X : to(X, ref.dtype);
}

export function checkPositiveInt(opName: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new Error(`${opName}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

export function checkNumber(opName: string, name: string, v: unknown, min = -Infinity, minInclusive = true): number {
  if (typeof v !== "number" || !Number.isFinite(v) || (minInclusive ? v < min : v <= min)) {
    throw new Error(`${opName}: ${name} must be a finite number ${minInclusive ? "≥" : ">"} ${min}, got ${String(v)}`);
  }
  return v;
}

/** A private generator when a seed is given (so results do not depend on other code), else the default one. */
export function generatorFor(seed: number | undefined): Generator {
  return seed === undefined ? defaultGenerator : new Generator(seed);
}

/** Fisher–Yates permutation of 0..n-1 drawn from `gen`. */
export function permutation(n: number, gen: Generator): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = gen.int(0, i + 1);
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

/** Fraction of equal entries of two label arrays. */
export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length === 0 ? NaN : ok / y.length;
}
