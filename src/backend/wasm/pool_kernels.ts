// wasm max pooling (float32): the reference kernel's loop (src/backend/js/pool.ts) in wasm,
// input copied into the arena, values and indices copied out.

import type { TypedArray } from "../../tensor/dtype.js";
import { poolKernels, type PoolGeometry } from "../js/pool.js";
import { arenaAlloc, arenaReset, type Runtime } from "./runtime.js";

interface Exports {
  maxPool2d(planes: number, H: number, W: number, outH: number, outW: number, kH: number, kW: number, sH: number, sW: number,
    pH: number, pW: number, dH: number, dW: number, x: number, out: number, idx: number): void;
}

/** Below this many outputs the reference loop is as fast as the copies. */
const MIN_OUTPUTS = 1024;

let rt: Runtime;
let k: Exports;
export function bindPoolKernels(r: Runtime): void {
  rt = r;
  k = r.exports as unknown as Exports;
}

/** out, indices = max pool of x (see the reference maxPool2d). */
export function maxPool2d(g: PoolGeometry, x: TypedArray, out: TypedArray, indices: Int32Array): void {
  const xn = g.planes * g.H * g.W, on = g.planes * g.outH * g.outW;
  if (!(x instanceof Float32Array && out instanceof Float32Array) || on < MIN_OUTPUTS) return poolKernels.maxPool2d(g, x, out, indices);
  arenaReset();
  const px = arenaAlloc(xn), po = arenaAlloc(on), pi = arenaAlloc(on);
  if (px < 0 || po < 0 || pi < 0) return poolKernels.maxPool2d(g, x, out, indices);
  rt.f32.set(x.subarray(0, xn), px >> 2);
  k.maxPool2d(g.planes, g.H, g.W, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW, px, po, pi);
  out.set(rt.f32.subarray(po >> 2, (po >> 2) + on));
  indices.set(rt.i32.subarray(pi >> 2, (pi >> 2) + on));
}
