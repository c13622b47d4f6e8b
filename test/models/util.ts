// Shared helpers of the zoo tests: the closed-form weight fill that test/fixtures/gen_models.py
// uses (so full-size torchvision models can be compared without committing their weights), and
// which backend runs the heavy cases.

import { Tensor, backend, backendInfo, tensor } from "../../src/index.js";
import type { nn } from "../../src/index.js";

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** n values in [-1, 1): the murmur3 finaliser of (i·0x9E3779B1 + seed) mod 2³², as gen_models.py's hash_uniform. */
export function hashUniform(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x ^= x >>> 16;
    out[i] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** The value gen_models.py's fill_value gives a state-dict entry (null for num_batches_tracked). */
export function fillValue(key: string, shape: readonly number[]): Float32Array | null {
  if (key.endsWith("num_batches_tracked")) return null;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = hashUniform(n, fnv1a(key));
  const out = new Float32Array(n);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    let x = v[i];
    if (key.endsWith("running_var")) x = 1 + 0.25 * x;
    else if (key.endsWith("running_mean")) x = 0.1 * x;
    else if (shape.length >= 2) x = x * Math.sqrt(6 / fanIn);
    else if (key.endsWith("weight")) x = 0.8 * (1 + 0.2 * x);
    else x = 0.1 * x;
    out[i] = x;
  }
  return out;
}

/**
 * A state dict with every entry of `model` hash-filled (num_batches_tracked kept). Entries larger
 * than maxNumel are kept as they are (zeros after skipInit): filling 100M-element classifiers
 * costs seconds and is not needed when only the graph is under test.
 */
export function hashStateDict(model: nn.Module, maxNumel = Infinity): Record<string, Tensor> {
  const sd: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) {
    const v = t.size > maxNumel ? null : fillValue(k, t.shape);
    sd[k] = v === null ? t : tensor(v, { dtype: "float32" }).reshape(t.shape);
  }
  return sd;
}

/** The input gen_models.py's hash_input makes. */
export function hashInput(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from(hashUniform(n, fnv1a("input"))), { dtype: "float32" }).reshape(shape);
}

/** Heavy cases (full-size models) run on the fastest available backend only, not on every pass of the conformance runner. */
export function heavy(): boolean {
  const avail = backendInfo().available;
  const fastest = ["native", "wasm", "js"].find((b) => avail.includes(b));
  return backend() === fastest;
}

export const HEAVY_SKIP = "full-size models run on the fastest backend's pass only";

/** "key:AxB" lines of a module's state dict, as gen_models.py writes them. */
export function keyLines(model: nn.Module): string[] {
  return Object.entries(model.stateDict()).map(([k, t]) => `${k}:${t.shape.join("x")}`);
}

/** Max |a − b| over two tensors of one shape. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.contiguous().toArray(), y = b.contiguous().toArray();
  if (x.length !== y.length) throw new Error(`maxAbsDiff: sizes differ (${x.length} vs ${y.length})`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** A member (submodule or parameter) by name, untyped: tests reach into containers (`member(seq.at(0), "conv1")`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function member(m: nn.Module, name: string): any {
  const v = (m as unknown as Record<string, unknown>)[name];
  if (v === undefined) throw new Error(`member: ${m.getName()} has no member "${name}"`);
  return v;
}
