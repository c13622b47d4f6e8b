// Shared helpers for ops: argument checks, scalar lifting, and reducing a broadcast gradient
// back to its input's shape.

import { Tensor } from "../tensor/tensor.js";
import { type DType, isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { scalar } from "../tensor/creation.js";
import { op } from "../tensor/dispatch.js";

export function checkTensor(opName: string, x: unknown, what = "input"): Tensor {
  if (!(x instanceof Tensor)) {
    const got = x === null ? "null" : Array.isArray(x) ? "an array" : typeof x;
    throw new Error(`${opName}: ${what} must be a Tensor, got ${got}`);
  }
  return x;
}

export function checkFloat(opName: string, x: Tensor, what = "input"): void {
  if (!isFloating(x.dtype)) throw new Error(`${opName}: ${what} must be float32 or float64, got ${x.dtype}`);
}

export function checkNdim(opName: string, x: Tensor, allowed: readonly number[], what = "input"): void {
  if (!allowed.includes(x.ndim)) {
    const exp = allowed.length === 1 ? `${allowed[0]}-d` : `${allowed.slice(0, -1).join("-d, ")}-d or ${allowed[allowed.length - 1]}-d`;
    throw new Error(`${opName}: ${what} must be ${exp}, got shape ${fmtShape(x.shape)}`);
  }
}

export function checkSameDtype(opName: string, a: Tensor, b: Tensor, whatA = "input", whatB = "weight"): void {
  if (a.dtype !== b.dtype) throw new Error(`${opName}: ${whatA} is ${a.dtype} but ${whatB} is ${b.dtype}; convert one with .to(dtype)`);
}

export function checkInt(opName: string, x: Tensor, what = "index"): void {
  if (x.dtype !== "int32") throw new Error(`${opName}: ${what} must be int32, got ${x.dtype}`);
}

/** Lift a JS number to a 0-d tensor of the given dtype. */
export function lift(x: Tensor | number, dtype: DType): Tensor {
  return x instanceof Tensor ? x : scalar(x, dtype);
}

/** Sum a gradient over the dims that were broadcast so it matches `shape`. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  let r: Tensor = dims.length ? op("sum")(g, dims, true) : g;
  if (lead > 0) r = op("reshape")(r, shape);
  return r;
}

/** Check an integer option (e.g. a kernel size) and expand an int to a pair. */
export function pair(opName: string, name: string, v: number | readonly number[], min = 0): [number, number] {
  const p = typeof v === "number" ? [v, v] : v;
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new Error(`${opName}: ${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}
