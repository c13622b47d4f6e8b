// The optional native backend: a C++ N-API addon (native/src, built by `node native/build.mjs`
// at install) with AVX-512 / AVX2 / scalar GEMM microkernels chosen by CPUID, its own thread
// pool, and fast float32 kernels that work directly on the typed arrays (no copies). Node only:
// there are no static node: imports, so browser bundles skip it cleanly. Every kernel forwards
// anything but float32 (and any case it does not cover) to the reference kernel.

import { markUnavailable, registerBackend, type Kernels } from "./backend.js";
import { jsKernels } from "./js/index.js";
import type { TypedArray } from "../tensor/dtype.js";
import type { ConvGeometry } from "./js/conv.js";

/** The addon's exports (native/src/addon.cc and friends). */
interface Addon {
  info(): { isa: string; threads: number; mr: number; nr: number };
  gemm(tA: boolean, tB: boolean, M: number, N: number, K: number, A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number, beta: number): void;
  [kernel: string]: unknown;
}

type NodeModule = { createRequire(url: string): (id: string) => unknown };

function load(): Addon | string {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return "not running in Node";
  const mod = proc.getBuiltinModule?.("node:module") as NodeModule | undefined;
  if (!mod) return "process.getBuiltinModule is missing (needs Node ≥ 20.16)";
  try {
    // ../../native from both src/backend/ and dist/backend/.
    return mod.createRequire(import.meta.url)("../../native/build/kestrel.node") as Addon;
  } catch (e) {
    const msg = (e as Error).message?.split("\n")[0] ?? String(e);
    return /Cannot find module/.test(msg) ? "addon not built (run `npm run build:native`; needs a C++ compiler)" : `addon failed to load: ${msg}`;
  }
}

const f32 = (a: unknown): a is Float32Array => a instanceof Float32Array;

function makeKernels(addon: Addon): Partial<Kernels> {
  const js = jsKernels;
  const fn = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const k: Partial<Kernels> = {
    gemm(tA, tB, M, N, K, A, aOff, B, bOff, C, cOff, beta = 0) {
      if (f32(A) && f32(B) && f32(C)) addon.gemm(tA, tB, M, N, K, A, aOff, B, bOff, C, cOff, beta);
      else js.gemm(tA, tB, M, N, K, A, aOff, B, bOff, C, cOff, beta);
    },
  };
  if (fn.conv2dForward) {
    k.conv2dForward = (g: ConvGeometry, N: number, OC: number, groups: number, x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray) => {
      if (f32(x) && f32(w) && f32(out) && (bias === null || f32(bias))) fn.conv2dForward(geo(g), N, OC, groups, x, w, bias, out);
      else js.conv2dForward(g, N, OC, groups, x, w, bias, out);
    };
    k.convTranspose2dForward = (g: ConvGeometry, N: number, Cin: number, groups: number, x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray) => {
      if (f32(x) && f32(w) && f32(out) && (bias === null || f32(bias))) fn.convTranspose2dForward(geo(g), N, Cin, groups, x, w, bias, out);
      else js.convTranspose2dForward(g, N, Cin, groups, x, w, bias, out);
    };
    k.conv2dWeightGrad = (g: ConvGeometry, N: number, OC: number, groups: number, x: TypedArray, gOut: TypedArray, dw: TypedArray) => {
      if (f32(x) && f32(gOut) && f32(dw)) fn.conv2dWeightGrad(geo(g), N, OC, groups, x, gOut, dw);
      else js.conv2dWeightGrad(g, N, OC, groups, x, gOut, dw);
    };
  }
  Object.assign(k, opsKernels(fn));
  return k;
}

/** Geometry as a flat Int32Array (cheaper for N-API than reading 13 object properties). */
const geoBuf = new Int32Array(13);
function geo(g: ConvGeometry): Int32Array {
  geoBuf[0] = g.C; geoBuf[1] = g.H; geoBuf[2] = g.W; geoBuf[3] = g.kH; geoBuf[4] = g.kW;
  geoBuf[5] = g.strideH; geoBuf[6] = g.strideW; geoBuf[7] = g.padH; geoBuf[8] = g.padW;
  geoBuf[9] = g.dilH; geoBuf[10] = g.dilW; geoBuf[11] = g.outH; geoBuf[12] = g.outW;
  return geoBuf;
}

const BINARY: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, eq: 6, ne: 7, lt: 8, le: 9, gt: 10, ge: 11, pow: 12, reluBackward: 13, addRelu: 14 };
const UNARY: Record<string, number> = {
  copy: 0, neg: 1, exp: 2, log: 3, sqrt: 4, abs: 5, square: 6, relu: 7, sigmoid: 8, tanh: 9, reciprocal: 10, rsqrt: 11, log1p: 12,
};
const I32_MAX = 0x7fffffff;

/** Whether a strided view is dense row-major (size-1 dims may have any stride). */
function dense(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Pooling, norm, elementwise and reduction fast paths (float32); the rest forwards. */
function opsKernels(fn: Record<string, (...args: unknown[]) => unknown>): Partial<Kernels> {
  const js = jsKernels;
  const meta = new Int32Array(1 + 3 * 16);
  const poolGeo = new Int32Array(13);
  return {
    binary(name, shape, a, aOff, aStrides, b, bOff, bStrides, out) {
      const op = BINARY[name];
      const nd = shape.length;
      if (op === undefined || !f32(a) || !f32(b) || !f32(out) || nd > 16 || a.length > I32_MAX || b.length > I32_MAX) {
        js.binary(name, shape, a, aOff, aStrides, b, bOff, bStrides, out);
        return;
      }
      meta[0] = nd;
      for (let i = 0; i < nd; i++) { meta[1 + i] = shape[i]; meta[1 + nd + i] = aStrides[i]; meta[1 + 2 * nd + i] = bStrides[i]; }
      fn.binary(op, meta, a, aOff, b, bOff, out);
    },
    unary(name, x, out) {
      const op = UNARY[name];
      if (op === undefined || !f32(x.storage) || !f32(out) || !dense(x.shape, x.strides)) js.unary(name, x, out);
      else fn.unary(op, x.storage, x.offset, out);
    },
    maxPool2d(g, x, out, indices) {
      if (!f32(x) || !f32(out)) { js.maxPool2d(g, x, out, indices); return; }
      const v = [g.planes, g.H, g.W, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW];
      for (let i = 0; i < 13; i++) poolGeo[i] = v[i];
      fn.maxPool2d(poolGeo, x, out, indices);
    },
    indexScatter(planes, srcSize, dstSize, src, indices, dst, accumulate) {
      if (!f32(src) || !f32(dst)) return js.indexScatter(planes, srcSize, dstSize, src, indices, dst, accumulate);
      return fn.indexScatter(planes, srcSize, dstSize, src, indices, dst, accumulate) as number;
    },
    normStats(x, A, B, S, mean, variance) {
      if (f32(x)) fn.normStats(x, A, B, S, mean, variance);
      else js.normStats(x, A, B, S, mean, variance);
    },
    normApply(x, A, B, S, mean, rstd, weight, bias, out, relu = false) {
      if (f32(x) && f32(out) && (weight === null || f32(weight)) && (bias === null || f32(bias))) fn.normApply(x, A, B, S, mean, rstd, weight, bias, out, relu);
      else js.normApply(x, A, B, S, mean, rstd, weight, bias, out, relu);
    },
    normBackward(x, g, A, B, S, mean, rstd, weight, batchStats, gx, sumG, sumGXhat, mask = null) {
      if (f32(x) && f32(g) && (weight === null || f32(weight)) && (gx === null || f32(gx)) && (mask === null || f32(mask))) fn.normBackward(x, g, A, B, S, mean, rstd, weight, batchStats, gx, sumG, sumGXhat, mask);
      else js.normBackward(x, g, A, B, S, mean, rstd, weight, batchStats, gx, sumG, sumGXhat, mask);
    },
    reduceMiddle(name, x, xOff, A, B, S, out) {
      if (name === "sum" && f32(x) && f32(out)) fn.reduceMiddle(x, xOff, A, B, S, out);
      else js.reduceMiddle(name, x, xOff, A, B, S, out);
    },
    adamStep(n, h, p, pOff, g, gOff, m, mOff, v, vOff, vmax, vmaxOff) {
      if (f32(p) && f32(g) && f32(m) && f32(v) && (vmax === null || f32(vmax))) fn.adamStep(n, h, p, pOff, g, gOff, m, mOff, v, vOff, vmax, vmaxOff);
      else js.adamStep(n, h, p, pOff, g, gOff, m, mOff, v, vOff, vmax, vmaxOff);
    },
    reduceLast(name, x, outer, inner, out) {
      if (name === "sum" && f32(x) && f32(out)) fn.reduceSum(x, outer, inner, out);
      else js.reduceLast(name, x, outer, inner, out);
    },
  };
}

/** The native kernel set, if the addon loaded (tests compare it with the reference). */
export let nativeKernels: Partial<Kernels> | null = null;

/** The addon, if it loaded (for tests and benchmarks). */
export let nativeAddon: Addon | null = null;

const loaded = load();
if (typeof loaded === "string") {
  markUnavailable("native", loaded);
} else {
  nativeAddon = loaded;
  const info = loaded.info();
  registerBackend({
    name: "native",
    priority: 20,
    description: `C++ addon, ${info.isa}, ${info.threads} thread${info.threads === 1 ? "" : "s"}`,
    kernels: (nativeKernels = makeKernels(loaded)),
  });
}
