// Small helpers shared by the optimizers and schedulers: PyTorch's snake_case key names, state
// copying for state dicts, and raw access to a parameter's elements for the update loops.

import { Tensor } from "../tensor/tensor.js";
import { type DType, type TypedArray, allocate } from "../tensor/dtype.js";

/** A value an optimizer keeps per parameter (PyTorch keeps tensors, numbers, lists and None). */
export type StateValue = Tensor | number | boolean | string | null | StateValue[];

/** `weightDecay` → `weight_decay` (PyTorch's key for the same option). */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** `weight_decay` → `weightDecay`. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A fresh contiguous copy of t (offset 0, owning its storage), optionally cast to dtype. */
export function freshCopy(t: Tensor, dtype: DType = t.dtype): Tensor {
  const src = t.dataRowMajor();
  const data = allocate(dtype, src.length);
  data.set(src);
  return Tensor.fromData(data, t.shape);
}

/**
 * Deep-copy a state value: tensors are copied (and cast to `dtype` when given, except under the
 * key "step", which PyTorch keeps as float32 whatever the parameter's type), lists recursively.
 */
export function copyState(value: unknown, dtype?: DType, key?: string): unknown {
  if (value instanceof Tensor) return freshCopy(value, key === "step" || dtype === undefined || value.dtype === "int32" ? value.dtype : dtype);
  if (Array.isArray(value)) return value.map((v) => copyState(v, dtype));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyState(v, dtype, k);
    return out;
  }
  return value;
}

/** A zero-filled contiguous tensor shaped and typed like p (a state buffer). */
export function zerosLike(p: Tensor): Tensor {
  return Tensor.empty(p.shape, p.dtype);
}

/** A 0-d float32 tensor: PyTorch's `state["step"]` for Adam, AdamW and Adagrad. */
export function stepTensor(value = 0): Tensor {
  const t = Tensor.empty([], "float32");
  t.storage[0] = value;
  return t;
}

/** A number from a value that may be a 0-d tensor (PyTorch stores some scalars as tensors). */
export function num(v: unknown): number {
  if (v instanceof Tensor) return v.item();
  return v as number;
}

/**
 * The gradient of p as row-major elements (a copy only when the gradient is strided or
 * expanded). Checks that it fits the parameter, since the update loops index both alike.
 */
export function gradData(opt: string, p: Tensor): TypedArray {
  const g = p.grad!;
  if (g.size !== p.size) {
    throw new Error(`${opt}.step: a parameter of shape [${p.shape.join(", ")}] has a gradient of shape [${g.shape.join(", ")}]; they must match`);
  }
  return g.dataRowMajor();
}

/**
 * Merge user options over an optimizer's defaults (keeping the defaults' key order, PyTorch's),
 * rejecting unknown keys so a snake_case or misspelled option is not silently ignored.
 */
export function resolveOptions<O extends object>(name: string, options: object | undefined, defaults: O): O {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
    throw new Error(`${name}: options must be an object like { lr: 0.01 }, got ${JSON.stringify(options)}`);
  }
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(options ?? {})) {
    if (!(k in defaults)) {
      const camel = snakeToCamel(k);
      const hint = camel !== k && camel in defaults ? `; did you mean ${camel}?` : `; known options: ${Object.keys(defaults).join(", ")}`;
      throw new Error(`${name}: unknown option ${k}${hint}`);
    }
    if (v !== undefined) out[k] = v;
  }
  return out as O;
}

/** State buffer `key` of a parameter with n elements, checked (a loaded state dict may not fit). */
export function buffer(opt: string, state: Record<string, unknown>, key: string, n: number): Tensor | undefined {
  const t = state[key];
  if (t === undefined || t === null) return undefined;
  if (!(t instanceof Tensor) || t.size !== n || !t.isContiguous()) {
    throw new Error(`${opt}.step: state "${key}" should be a contiguous tensor of ${n} elements (like its parameter), got ${t instanceof Tensor ? `shape [${t.shape.join(", ")}]` : typeof t}`);
  }
  return t;
}
