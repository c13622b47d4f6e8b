// Data types. Storage is always a plain JS typed array, owned by the garbage collector.

import { pooledArray } from "./pool.js";

export type DType = "float32" | "float64" | "int32";
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ["float32", "float64", "int32"];

export function isDType(x: unknown): x is DType {
  return x === "float32" || x === "float64" || x === "int32";
}

export function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)}; expected "float32", "float64" or "int32"`);
  }
  return dtype;
}

export function isFloating(dtype: DType): boolean {
  return dtype !== "int32";
}

/** A new zero-filled typed array of the given dtype and length (recycled storage when available; see pool.ts). */
export function allocate(dtype: DType, length: number): TypedArray {
  return pooledArray(dtype, length);
}

/**
 * An array whose every element the caller's kernel is about to write: a recycled buffer is
 * not zero-filled first (a fresh one is zero anyway). Only for outputs written in full.
 */
export function allocateForOverwrite(dtype: DType, length: number): TypedArray {
  return pooledArray(dtype, length, false);
}

export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  return "int32";
}

/** Result dtype of a binary op between two tensors (PyTorch's promotion for our three types). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "float64" || b === "float64") return "float64";
  return "float32";
}

/**
 * Result dtype of a binary op between two tensors, with PyTorch's rule for 0-d tensors: a 0-d
 * operand only decides the dtype when it is of a higher category (float vs int) than a
 * dimensioned one, so float32[3] + float64 0-d stays float32 while int32[3] + float64 0-d is float64.
 */
export function promoteTensorTypes(a: { dtype: DType; shape: readonly number[] }, b: { dtype: DType; shape: readonly number[] }): DType {
  const az = a.shape.length === 0, bz = b.shape.length === 0;
  if (az === bz) return promoteTypes(a.dtype, b.dtype);
  const [dim, zero] = az ? [b, a] : [a, b];
  return !isFloating(dim.dtype) && isFloating(zero.dtype) ? zero.dtype : dim.dtype;
}

/** Result dtype of tensor ⊕ JS number: a number never widens a float tensor; a fractional number makes an int tensor float32. */
export function promoteWithScalar(a: DType, s: number): DType {
  if (a !== "int32") return a;
  return Number.isInteger(s) ? "int32" : "float32";
}
