// Small shared helpers for layer constructors: argument checks that name the layer.

import { type DType, checkDType, isFloating } from "../tensor/dtype.js";
import { empty } from "../tensor/creation.js";
import { Parameter } from "./parameter.js";

/** A whole number ≥ min, or an error naming the layer and argument. */
export function intArg(layer: string, name: string, v: unknown, min = 0): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new Error(`${layer}: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** An int or a pair of ints ≥ min, returned as a pair. */
export function pairArg(layer: string, name: string, v: unknown, min = 0): [number, number] {
  const p = typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new Error(`${layer}: ${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** A probability in [0, 1]. */
export function probArg(layer: string, p: unknown): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new Error(`${layer}: dropout probability has to be between 0 and 1, but got ${JSON.stringify(p)}`);
  }
  return p;
}

/** The dtype for a layer's parameters (float32 unless given; must be floating). */
export function floatDtype(layer: string, dtype: DType | undefined): DType {
  const d = checkDType(layer, dtype ?? "float32");
  if (!isFloating(d)) throw new Error(`${layer}: parameters must be float32 or float64, got dtype ${d}`);
  return d;
}

/** A new (zero-filled) parameter of the given shape, to be initialised by the layer. */
export function newParam(shape: readonly number[], dtype: DType): Parameter {
  return new Parameter(empty(shape, { dtype }));
}

/** The inplace flag of activation layers: accepted and printed like PyTorch; results are computed out of place. */
export function inplaceArg(v: boolean | { inplace?: boolean } | undefined): boolean {
  return typeof v === "boolean" ? v : v?.inplace ?? false;
}
