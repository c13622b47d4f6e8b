// Shared runner for the core-op fixtures (test/fixtures/gen_core.py → core.json). Each family's
// test file runs the cases whose `op` is in its table below: outputs in float64 (1e-10) and
// float32 (1e-5), gradients for PyTorch's random upstream gradient, and a float64 gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Tensor, arange, linspace, eye, full, cat, stack, where, autograd, F, ops,
} from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { T, assertClose, assertGradcheck, loadFixture, type FixtureTensor } from "../helpers.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any;
export type OpImpl = (ins: Tensor[], a: Args) => Tensor | Tensor[];

export interface CoreCase {
  op: string; tag: string; args: Args; inputs: FixtureTensor[]; diff: boolean[]; multi: boolean;
  out: FixtureTensor[]; out_dtypes: string[]; keep_dtype: boolean; gradcheck: boolean;
  upstream: (FixtureTensor | null)[] | null; grads: (FixtureTensor | null)[] | null;
}

const num = (v: number | string): number => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : (v as number));

export const CREATION: Record<string, OpImpl> = {
  arange: (_, a) => { const [x, y, z] = a.a.map(num); return arange(x, y, z, { dtype: a.dtype }); },
  linspace: (_, a) => linspace(a.a[0], a.a[1], a.a[2], { dtype: a.dtype }),
  eye: (_, a) => eye(a.a[0], a.a[1], { dtype: a.dtype }),
  full: (_, a) => full(a.shape, a.value, { dtype: a.dtype }),
};

export const SHAPE: Record<string, OpImpl> = {
  reshape: ([x], a) => x.reshape(a.shape),
  reshape_t: ([x], a) => x.transpose(0, 2).reshape(a.shape),
  view: ([x], a) => x.view(a.shape),
  transpose: ([x], a) => x.transpose(a.d0, a.d1),
  permute: ([x], a) => x.permute(a.dims),
  flatten: ([x], a) => x.flatten(a.s, a.e),
  unflatten: ([x], a) => x.unflatten(a.dim, a.sizes),
  squeeze: ([x], a) => (a.dim === null ? x.squeeze() : x.squeeze(a.dim)),
  unsqueeze: ([x], a) => x.unsqueeze(a.dim),
  expand: ([x], a) => x.expand(a.shape),
  narrow: ([x], a) => x.narrow(a.dim, a.start, a.length),
  select: ([x], a) => x.select(a.dim, a.index),
  chunk: ([x], a) => x.chunk(a.chunks, a.dim),
  split: ([x], a) => x.split(a.sizes, a.dim),
  contiguous: ([x]) => x.permute(1, 2, 0).contiguous(),
  repeat: ([x], a) => x.repeat(a.sizes),
  cat: (xs, a) => cat(xs, a.dim),
  stack: (xs, a) => stack(xs, a.dim),
};

export const ELEMENTWISE: Record<string, OpImpl> = {
  add: ([x, y]) => x.add(y), sub: ([x, y]) => x.sub(y), mul: ([x, y]) => x.mul(y), div: ([x, y]) => x.div(y),
  maximum: ([x, y]) => x.maximum(y), minimum: ([x, y]) => x.minimum(y), pow: ([x, y]) => x.pow(y),
  add_scalar: ([x], a) => x.add(a.s), sub_scalar: ([x], a) => x.sub(a.s), mul_scalar: ([x], a) => x.mul(a.s),
  div_scalar: ([x], a) => x.div(a.s), maximum_scalar: ([x], a) => x.maximum(a.s), minimum_scalar: ([x], a) => x.minimum(a.s),
  rsub_scalar: ([x], a) => ops.sub(a.s, x), rdiv_scalar: ([x], a) => ops.div(a.s, x), rpow_scalar: ([x], a) => ops.pow(a.s, x),
  add_alpha: ([x, y], a) => x.add(y, a.alpha), sub_alpha: ([x, y], a) => x.sub(y, a.alpha),
  pow_scalar: ([x], a) => x.pow(a.p),
  clamp: ([x], a) => x.clamp(a.min, a.max),
  eq: ([x, y]) => x.eq(y), ne: ([x, y]) => x.ne(y), lt: ([x, y]) => x.lt(y), le: ([x, y]) => x.le(y), gt: ([x, y]) => x.gt(y), ge: ([x, y]) => x.ge(y),
  eq_scalar: ([x], a) => x.eq(a.s), ne_scalar: ([x], a) => x.ne(a.s), lt_scalar: ([x], a) => x.lt(a.s),
  le_scalar: ([x], a) => x.le(a.s), gt_scalar: ([x], a) => x.gt(a.s), ge_scalar: ([x], a) => x.ge(a.s),
  where: ([c, x, y]) => where(c, x, y),
  where_scalar: ([c, x], a) => where(c, x, a.s),
  maskedFill: ([x, m], a) => x.maskedFill(m, a.value),
  neg: ([x]) => x.neg(), exp: ([x]) => x.exp(), log: ([x]) => x.log(), log1p: ([x]) => x.log1p(), sqrt: ([x]) => x.sqrt(),
  rsqrt: ([x]) => x.rsqrt(), square: ([x]) => x.square(), reciprocal: ([x]) => x.reciprocal(), abs: ([x]) => x.abs(),
  sin: ([x]) => x.sin(), cos: ([x]) => x.cos(), tanh: ([x]) => x.tanh(), sigmoid: ([x]) => x.sigmoid(), relu: ([x]) => x.relu(),
  sign: ([x]) => x.sign(), floor: ([x]) => x.floor(), ceil: ([x]) => x.ceil(), round: ([x]) => x.round(),
  float: ([x]) => x.float(), int: ([x]) => x.int(),
};

const dimArg = (d: number | number[] | null): number | number[] | null => d;
export const REDUCE: Record<string, OpImpl> = {
  sum: ([x], a) => x.sum(dimArg(a.dim), a.keepdim),
  mean: ([x], a) => x.mean(dimArg(a.dim), a.keepdim),
  var: ([x], a) => x.var(a.dim, { keepdim: a.keepdim, ...(a.unbiased !== null ? { unbiased: a.unbiased } : {}), ...(a.correction !== null ? { correction: a.correction } : {}) }),
  std: ([x], a) => x.std(a.dim, { keepdim: a.keepdim, ...(a.unbiased !== null ? { unbiased: a.unbiased } : {}), ...(a.correction !== null ? { correction: a.correction } : {}) }),
  max_all: ([x]) => x.max(), min_all: ([x]) => x.min(),
  max_dim: ([x], a) => { const r = x.max(a.dim, a.keepdim); return [r.values, r.indices]; },
  min_dim: ([x], a) => { const r = x.min(a.dim, a.keepdim); return [r.values, r.indices]; },
  argmax: ([x], a) => x.argmax(a.dim, a.keepdim), argmin: ([x], a) => x.argmin(a.dim, a.keepdim),
  logsumexp: ([x], a) => x.logsumexp(a.dim, a.keepdim),
  norm: ([x], a) => x.norm(num(a.p), a.dim, a.keepdim),
};

export const MATMUL: Record<string, OpImpl> = {
  matmul: ([a, b]) => a.matmul(b),
  matmul_tA: ([a, b]) => a.transpose(-1, -2).matmul(b),
  matmul_tB: ([a, b]) => a.matmul(b.transpose(-1, -2)),
  matmul_tAB: ([a, b]) => a.transpose(-1, -2).matmul(b.transpose(-1, -2)),
  mm: ([a, b]) => a.mm(b),
  bmm: ([a, b]) => a.bmm(b),
  linear: ([x, w, b]) => F.linear(x, w, b),
};

export const INDEXING: Record<string, OpImpl> = {
  indexSelect: ([x, i], a) => x.indexSelect(a.dim, i),
  gather: ([x, i], a) => x.gather(a.dim, i),
  scatterAdd: ([x, i, s], a) => x.scatterAdd(a.dim, i, s),
  oneHot: ([i], a) => ops.oneHot(i, a.n),
};

export const FAMILIES = { CREATION, SHAPE, ELEMENTWISE, REDUCE, MATMUL, INDEXING };

export function coreCases(): CoreCase[] {
  return (loadFixture("core") as { cases: CoreCase[] }).cases;
}

/** Looser float32 bounds where float32 rounding of the inputs is amplified (documented per case). */
function f32Tolerance(c: CoreCase): { rtol?: number; atol?: number } {
  // logsumexp of inputs ~300: rounding x to float32 moves x - lse by ~1e-5, so softmax-like grads move by ~1e-5 relative.
  if (c.op === "logsumexp" && c.tag === "large") return { rtol: 1e-4, atol: 1e-5 };
  return {};
}

function asList(r: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(r) ? r : [r];
}

function runOne(c: CoreCase, impl: OpImpl, dtype: DType | null): void {
  const label = `${c.op}${c.tag ? ` [${c.tag}]` : ""} ${JSON.stringify(c.args)} ${dtype ?? "as-is"}`;
  const ins = c.inputs.map((f, i) => T(f, { dtype: dtype && f.dtype !== "int32" ? dtype : undefined, requiresGrad: dtype !== null && c.diff[i] }));
  // Creation ops read the dtype under test from args.dtype.
  const outs = asList(impl(ins, { ...c.args, dtype: dtype ?? undefined }));
  assert.equal(outs.length, c.out.length, `${label}: ${outs.length} outputs, expected ${c.out.length}`);
  const tol = dtype === "float32" ? f32Tolerance(c) : {};
  outs.forEach((o, k) => {
    assertClose(o, c.out[k], { ...tol, msg: `${label} output ${k}` });
    if (c.keep_dtype) assert.equal(o.dtype, c.out_dtypes[k], `${label}: output dtype`);
    else if (c.out[k].dtype === "int32" && c.out_dtypes[k] !== "bool") assert.equal(o.dtype, "int32", `${label}: index output dtype`);
    else if (c.out_dtypes[k] !== "bool") assert.equal(o.dtype, dtype ?? o.dtype, `${label}: output dtype`);
  });
  if (!c.grads || dtype === null) return;
  const diffIns = ins.filter((_, i) => c.diff[i]);
  const pairs = outs.map((o, k) => [o, c.upstream![k]] as const).filter(([o]) => o.requiresGrad);
  assert.ok(pairs.length > 0, `${label}: no output requires grad`);
  const grads = autograd.grad(pairs.map(([o]) => o), diffIns, {
    gradOutputs: pairs.map(([o, u]) => T(u!, { dtype: o.dtype })), allowUnused: true,
  });
  let gi = 0;
  c.diff.forEach((d, i) => {
    if (!d) return;
    const g = grads[gi++];
    const exp = c.grads![i];
    if (exp === null) { assert.ok(g === null || g.toArray().every((v) => v === 0), `${label}: grad ${i} should be none`); return; }
    assert.ok(g !== null, `${label}: no gradient for input ${i}`);
    assertClose(g!, exp, { ...tol, msg: `${label} grad of input ${i}` });
  });
  if (dtype === "float64" && c.gradcheck) {
    const noGrad = c.diff.map((d, i) => (d ? -1 : i)).filter((i) => i >= 0);
    assertGradcheck((...xs) => impl(xs, c.args), c.inputs.map((f) => T(f)), { noGrad });
  }
}

/** Register one test per fixture case whose op is in `table`; returns how many there were. */
export function runFamily(family: string, table: Record<string, OpImpl>): number {
  const cases = coreCases().filter((c) => c.op in table);
  test(`${family}: fixture has cases`, () => assert.ok(cases.length > 0));
  for (const c of cases) {
    const impl = table[c.op];
    const name = `${family} ${c.op}${c.tag ? ` [${c.tag}]` : ""} ${JSON.stringify(c.args)}`;
    test(name, () => {
      if (c.keep_dtype) runOne(c, impl, null);
      else for (const dt of ["float64", "float32"] as const) runOne(c, impl, dt);
    });
  }
  return cases.length;
}
