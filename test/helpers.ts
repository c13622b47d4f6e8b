// Test helpers: fixtures made by PyTorch (see test/fixtures/*.py), closeness checks with the
// project's tolerances, and a gradcheck assertion.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Tensor, tensor, autograd } from "../src/index.js";
import type { DType } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));

/** A tensor as the Python generators write it (NaN/±inf as the strings "nan", "inf", "-inf"). */
export interface FixtureTensor {
  shape: number[];
  dtype: DType;
  data: (number | string)[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadFixture(name: string): any {
  return JSON.parse(readFileSync(join(here, "fixtures", `${name}.json`), "utf8"));
}

function decode(v: number | string): number {
  if (typeof v === "number") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  throw new Error(`fixture: unknown value ${v}`);
}

export function isFixtureTensor(x: unknown): x is FixtureTensor {
  return typeof x === "object" && x !== null && Array.isArray((x as FixtureTensor).shape) && Array.isArray((x as FixtureTensor).data);
}

/** Build a Tensor from a fixture entry (optionally requiring grad or converting dtype). */
export function T(f: FixtureTensor, opts: { requiresGrad?: boolean; dtype?: DType } = {}): Tensor {
  const dtype = opts.dtype ?? f.dtype;
  const flat = tensor(f.data.map(decode), { dtype });
  const t = flat.reshape(f.shape).detach();
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  msg?: string;
}

/** Default tolerances: float64 ≤ 1e-10 relative, float32 ≤ 1e-5 relative (the project's bar). */
export function tolerances(dtype: DType): { rtol: number; atol: number } {
  return dtype === "float64" ? { rtol: 1e-10, atol: 1e-12 } : dtype === "float32" ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 0, atol: 0 };
}

/** Assert same shape and |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN). */
export function assertClose(actual: Tensor | number, expected: Tensor | FixtureTensor | number | number[], opts: CloseOptions = {}): void {
  const prefix = opts.msg ? `${opts.msg}: ` : "";
  let exp: Tensor;
  if (expected instanceof Tensor) exp = expected;
  else if (isFixtureTensor(expected)) exp = T(expected);
  else exp = tensor(expected as number[], { dtype: "float64" });
  const act = typeof actual === "number" ? tensor(actual, { dtype: "float64" }) : actual;
  if (typeof expected !== "number" && !Array.isArray(expected)) {
    assert.deepEqual([...act.shape], [...exp.shape], `${prefix}shape ${JSON.stringify(act.shape)} != expected ${JSON.stringify(exp.shape)}`);
  }
  const tol = tolerances(act.dtype === "float64" && exp.dtype === "float64" ? "float64" : act.dtype === "int32" && exp.dtype === "int32" ? "int32" : "float32");
  const rtol = opts.rtol ?? tol.rtol;
  const atol = opts.atol ?? tol.atol;
  const a = act.toArray();
  const e = exp.toArray();
  assert.equal(a.length, e.length, `${prefix}element count ${a.length} != expected ${e.length}`);
  let worst = -1, worstI = -1;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (e[i] === a[i]) continue;
    const err = Math.abs(a[i] - e[i]);
    const bound = atol + rtol * Math.abs(e[i]);
    if (!(err <= bound) && (worst < 0 || err / bound > worst)) { worst = Number.isFinite(err / bound) ? err / bound : Infinity; worstI = i; }
  }
  if (worstI >= 0) {
    assert.fail(`${prefix}element ${worstI}: got ${a[worstI]}, expected ${e[worstI]} (rtol ${rtol}, atol ${atol}; ${worst.toFixed(1)}× over)`);
  }
}

/** Assert that autograd.gradcheck passes in float64 (inputs are converted and set to require grad). */
export function assertGradcheck(
  fn: (...inputs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor[],
  opts: autograd.GradcheckOptions & { noGrad?: number[] } = {},
): void {
  const ins = inputs.map((t, i) => {
    if (t.dtype === "int32" || opts.noGrad?.includes(i)) return t;
    return t.detach().to("float64").clone().requiresGrad_(true);
  });
  const r = autograd.gradcheck(fn, ins, { ...opts, raiseException: false });
  assert.ok(r.passed, `gradcheck failed: worst ${JSON.stringify(r.worst)}, worst relative error ${r.worstRelativeError}`);
}
