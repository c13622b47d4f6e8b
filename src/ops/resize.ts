// Padding and resizing: pad (constant, reflect, replicate, circular), interpolate/upsample
// (nearest, nearest-exact, linear, bilinear, trilinear, area).
//
// Everything but constant padding is separable: each spatial dim is resampled on its own by a
// sparse map (each output position a weighted sum of a few input positions). One op applies a
// map; its gradient applies the transposed map (a scatter-add), whose gradient is the map
// again, so every order of derivative comes for free.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { fmtShape, numel } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import { record } from "../autograd/node.js";
import { checkFloat, checkTensor } from "./util.js";

/** A sparse [outN × inN] resampling matrix in compressed rows (w null: all weights 1). */
interface DimMap {
  inN: number;
  outN: number;
  ptr: Int32Array;
  idx: Int32Array;
  w: Float64Array | null;
  transposed?: DimMap;
}

/** A map with `k` taps per output (idx −1 marks an absent tap). */
function makeMap(inN: number, outN: number, k: number, idx: Int32Array, w: Float64Array | null): DimMap {
  const ptr = new Int32Array(outN + 1);
  let n = 0;
  for (let i = 0; i < outN; i++) {
    for (let t = 0; t < k; t++) if (idx[i * k + t] >= 0) n++;
    ptr[i + 1] = n;
  }
  if (n === idx.length) return { inN, outN, ptr, idx, w };
  const ci = new Int32Array(n);
  const cw = w ? new Float64Array(n) : null;
  for (let j = 0, p = 0; j < idx.length; j++) {
    if (idx[j] < 0) continue;
    ci[p] = idx[j];
    if (cw) cw[p] = w![j];
    p++;
  }
  return { inN, outN, ptr, idx: ci, w: cw };
}

/** The transposed map (the adjoint: what a gradient flows back through), cached. */
function transposeOf(m: DimMap): DimMap {
  if (m.transposed) return m.transposed;
  const ptr = new Int32Array(m.inN + 1);
  for (let t = 0; t < m.idx.length; t++) ptr[m.idx[t] + 1]++;
  for (let j = 0; j < m.inN; j++) ptr[j + 1] += ptr[j];
  const fill = ptr.slice(0, m.inN);
  const idx = new Int32Array(m.idx.length);
  const w = m.w ? new Float64Array(m.idx.length) : null;
  for (let i = 0; i < m.outN; i++) {
    for (let t = m.ptr[i]; t < m.ptr[i + 1]; t++) {
      const p = fill[m.idx[t]]++;
      idx[p] = i;
      if (w) w[p] = m.w![t];
    }
  }
  const tr: DimMap = { inN: m.outN, outN: m.inN, ptr, idx, w, transposed: m };
  m.transposed = tr;
  return tr;
}

/** Resample x along `dim` by the map (the one differentiable primitive of this file). */
function applyMap(name: string, x: Tensor, dim: number, m: DimMap): Tensor {
  const shape = x.shape.slice();
  shape[dim] = m.outN;
  const out = allocate(x.dtype, numel(shape));
  if (out.length > 0) {
    kernels().resampleDim(x.dataRowMajor(), numel(x.shape.slice(0, dim)), m.inN, numel(x.shape.slice(dim + 1)), m.outN, m.ptr, m.idx, m.w, out);
  }
  return record(name, Tensor.fromData(out, shape), [x], (g) => [applyMap(name, g, dim, transposeOf(m))]);
}

// ---- pad ------------------------------------------------------------------------------------

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

export interface PadOptions {
  mode?: PadMode;
  /** Fill value for mode "constant" (default 0). */
  value?: number;
}

/** Constant padding (negative pads crop); its adjoint is the opposite padding. */
function padConstant(x: Tensor, pads: readonly number[], value: number): Tensor {
  const lo = x.shape.map(() => 0);
  const outShape = x.shape.slice();
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    lo[d] = pads[2 * i];
    outShape[d] = x.shape[d] + pads[2 * i] + pads[2 * i + 1];
    if (outShape[d] < 0) {
      throw new Error(`pad: padding (${pads[2 * i]}, ${pads[2 * i + 1]}) of dim ${d} (size ${x.shape[d]}) gives a negative size ${outShape[d]}; input shape ${fmtShape(x.shape)}`);
    }
  }
  const out = allocate(x.dtype, numel(outShape));
  if (value !== 0) out.fill(value);
  if (out.length > 0 && x.size > 0) kernels().padConstant(x.dataRowMajor(), x.shape, outShape, lo, out);
  const neg = pads.map((p) => -p);
  return record("ConstantPadBackward", Tensor.fromData(out, outShape), [x], (g) => [padConstant(g, neg, 0)]);
}

/** Source index of each output position for one padded dim (PyTorch's index formulas). */
function padMap(mode: PadMode, size: number, pl: number, pr: number, d: number, shape: readonly number[]): DimMap {
  const outN = size + pl + pr;
  if (mode === "reflect" && (pl >= size || pr >= size)) {
    throw new Error(`pad: reflect padding must be less than the corresponding input dim, but got padding (${pl}, ${pr}) at dim ${d} of input ${fmtShape(shape)}`);
  }
  // Circular padding crops first (negative pads), then wraps what is left, as PyTorch 1.13 does.
  const iStart = Math.max(0, -pl);
  const kept = size - iStart - Math.max(0, -pr);
  if (mode === "circular" && (pl > kept || pr > kept)) {
    throw new Error(`pad: circular padding (${pl}, ${pr}) at dim ${d} of input ${fmtShape(shape)} would wrap around more than once (at most ${Math.max(kept, 0)} after cropping)`);
  }
  if (outN < (mode === "circular" ? 0 : 1)) {
    throw new Error(`pad: input dim ${d} (size ${size}) is too small for padding (${pl}, ${pr}): the output size would be ${outN}`);
  }
  const idx = new Int32Array(outN);
  const oStart = Math.max(0, pl);
  for (let j = 0; j < outN; j++) {
    let s: number;
    if (mode === "circular") s = iStart + ((((j - oStart) % kept) + kept) % kept);
    else {
      if (j < pl) s = mode === "reflect" ? 2 * pl - j : pl;
      else if (j < size + pl) s = j;
      else s = mode === "reflect" ? 2 * (size + pl - 1) - j : size + pl - 1;
      s = s - oStart + iStart;
    }
    idx[j] = s;
  }
  return makeMap(size, outN, 1, idx, null);
}

/**
 * Pad (torch.nn.functional.pad). `padding` lists (before, after) pairs starting from the LAST
 * dim: [left, right, top, bottom, front, back]. Mode "constant" pads any number of dims with
 * `value` (negative pads crop); "reflect" and "replicate" pad the last 1, 2 or 3 dims of a
 * 2–3-d, 3–4-d or 4–5-d input; "circular" pads every dim after the first two.
 * @example F.pad(x, [1, 1, 2, 0], { mode: "reflect" }) // W +1 each side, H +2 on top
 */
export function pad(x: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  checkTensor("pad", x);
  const mode = options.mode ?? "constant";
  if (!Array.isArray(padding) || !padding.every((p) => Number.isInteger(p))) {
    throw new Error(`pad: padding must be an array of integers, got ${JSON.stringify(padding)}`);
  }
  if (padding.length % 2 !== 0) throw new Error(`pad: padding length must be divisible by 2, got ${padding.length} values`);
  const pairs = padding.length / 2;
  if (pairs > x.ndim) throw new Error(`pad: padding length too large: ${pairs} (before, after) pairs for a ${x.ndim}-d input of shape ${fmtShape(x.shape)}`);
  if (mode === "constant") return padConstant(x, padding, options.value ?? 0);
  if (mode !== "reflect" && mode !== "replicate" && mode !== "circular") {
    throw new Error(`pad: unknown mode "${mode as string}"; expected "constant", "reflect", "replicate" or "circular"`);
  }
  if (options.value !== undefined && options.value !== 0) throw new Error(`pad: mode "${mode}" doesn't take a value (got ${options.value}); only "constant" fills`);
  const ok = (pairs === 1 && (x.ndim === 2 || x.ndim === 3)) || (pairs === 2 && (x.ndim === 3 || x.ndim === 4)) || (pairs === 3 && (x.ndim === 4 || x.ndim === 5));
  if (!ok) {
    throw new Error(`pad: mode "${mode}" pads the last 1 dim of a 2-d/3-d input, the last 2 of a 3-d/4-d or the last 3 of a 4-d/5-d input; got ${pairs} pair(s) for input shape ${fmtShape(x.shape)}`);
  }
  if (mode === "circular" && padding.length !== 2 * (x.ndim - 2)) {
    throw new Error(`pad: circular padding of a ${x.ndim}-d input needs ${2 * (x.ndim - 2)} values (a pair per dim after [N, C]), got ${padding.length}`);
  }
  checkFloat("pad", x);
  const name = mode === "reflect" ? "ReflectionPadBackward" : mode === "replicate" ? "ReplicationPadBackward" : "CircularPadBackward";
  let y = x;
  for (let i = 0; i < pairs; i++) {
    const d = x.ndim - 1 - i;
    const pl = padding[2 * i], pr = padding[2 * i + 1];
    if (pl === 0 && pr === 0) continue;
    y = applyMap(name, y, d, padMap(mode, x.shape[d], pl, pr, d, x.shape));
  }
  return y === x ? padConstant(x, [], 0) : y;
}

// ---- interpolate ----------------------------------------------------------------------------

export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "trilinear" | "area";

export interface InterpolateOptions {
  /** Output spatial size (one int for every spatial dim, or one per dim). */
  size?: number | readonly number[];
  /** Multiplier for the spatial size (one, or one per dim); the output is floor(in · scale). */
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  /** Linear modes only: map corner pixel centres onto each other (default false). */
  alignCorners?: boolean | null;
  /** Compute the sampling scale from the rounded output size instead of 1/scaleFactor. */
  recomputeScaleFactor?: boolean | null;
}

const SPATIAL: Record<InterpolateMode, number[]> = {
  nearest: [1, 2, 3], "nearest-exact": [1, 2, 3], area: [1, 2, 3], linear: [1], bilinear: [2], trilinear: [3],
};

/** Nearest maps: src = min(floor(dst · scale), in − 1) with PyTorch's float32 scale arithmetic. */
function nearestMap(inN: number, outN: number, scale: number | null, exact: boolean): DimMap {
  const idx = new Int32Array(outN);
  const s = Math.fround(scale !== null && scale > 0 ? 1 / scale : inN / outN);
  for (let i = 0; i < outN; i++) {
    if (!exact && outN === inN) idx[i] = i;
    else if (!exact && outN === 2 * inN) idx[i] = i >> 1;
    else idx[i] = Math.min(Math.floor(Math.fround(exact ? (i + 0.5) * s : i * s)), inN - 1);
  }
  return makeMap(inN, outN, 1, idx, null);
}

/** Linear maps: two taps at floor(src) and the next (clamped), PyTorch's source-index rule. */
function linearMap(inN: number, outN: number, scale: number | null, alignCorners: boolean, f32: boolean): DimMap {
  const r = f32 ? Math.fround : (v: number) => v;
  const s = r(alignCorners ? (outN > 1 ? (inN - 1) / (outN - 1) : 0) : scale !== null && scale > 0 ? 1 / scale : inN / outN);
  const idx = new Int32Array(2 * outN);
  const w = new Float64Array(2 * outN);
  for (let i = 0; i < outN; i++) {
    const src = alignCorners ? r(s * i) : Math.max(r(s * (i + 0.5) - 0.5), 0);
    const i0 = Math.min(Math.floor(src), inN - 1);
    const l1 = r(src - i0);
    idx[2 * i] = i0;
    idx[2 * i + 1] = i0 < inN - 1 ? i0 + 1 : i0;
    w[2 * i] = r(1 - l1);
    w[2 * i + 1] = l1;
  }
  return makeMap(inN, outN, 2, idx, w);
}

/** Area maps (adaptive average pooling): the mean over [floor(i·in/out), ceil((i+1)·in/out)). */
function areaMap(inN: number, outN: number): DimMap {
  const k = Math.ceil(inN / outN) + 1;
  const idx = new Int32Array(outN * k).fill(-1);
  const w = new Float64Array(outN * k);
  for (let i = 0; i < outN; i++) {
    const a = Math.floor((i * inN) / outN);
    const b = Math.ceil(((i + 1) * inN) / outN);
    for (let j = a; j < b; j++) {
      idx[i * k + j - a] = j;
      w[i * k + j - a] = 1 / (b - a);
    }
  }
  return makeMap(inN, outN, k, idx, w);
}

function perDim(what: string, v: number | readonly number[], dims: number, x: Tensor): number[] {
  const list = typeof v === "number" ? new Array<number>(dims).fill(v) : [...v];
  if (list.length !== dims) {
    throw new Error(`interpolate: input and ${what} must have the same number of spatial dims, but got input with spatial dims ${fmtShape(x.shape.slice(2))} and ${what} ${JSON.stringify(v)}; input is [N, C, d1, ..., dK]`);
  }
  return list;
}

/**
 * Resize the spatial dims of [N, C, L], [N, C, H, W] or [N, C, D, H, W]
 * (torch.nn.functional.interpolate, PyTorch 1.13 semantics). Give `size` or `scaleFactor`.
 * With scaleFactor the output is floor(in · scaleFactor) and sampling uses 1/scaleFactor
 * unless recomputeScaleFactor is true (then in/out). "nearest" is PyTorch's legacy rule
 * src = floor(dst · scale); "linear"/"bilinear"/"trilinear" take alignCorners (default false).
 * @example F.interpolate(x, { scaleFactor: 2, mode: "bilinear" })
 */
export function interpolate(x: Tensor, options: InterpolateOptions = {}): Tensor {
  const op = "interpolate";
  checkTensor(op, x);
  checkFloat(op, x);
  const mode = options.mode ?? "nearest";
  if (!(mode in SPATIAL)) {
    throw new Error(`${op}: unknown mode "${mode as string}"; expected nearest | nearest-exact | linear | bilinear | trilinear | area`);
  }
  let alignCorners = options.alignCorners ?? null;
  const linear = mode === "linear" || mode === "bilinear" || mode === "trilinear";
  if (!linear && alignCorners !== null) {
    throw new Error(`${op}: alignCorners can only be set with the interpolating modes linear | bilinear | trilinear, got mode "${mode}"`);
  }
  alignCorners ??= false;
  const dims = x.ndim - 2;
  const { size, scaleFactor } = options;
  if (size != null && scaleFactor != null) throw new Error(`${op}: only one of size or scaleFactor should be defined`);
  if (size == null && scaleFactor == null) throw new Error(`${op}: either size or scaleFactor should be defined`);
  if (options.recomputeScaleFactor && size != null) throw new Error(`${op}: recomputeScaleFactor is not meaningful with an explicit size`);
  if (!SPATIAL[mode].includes(dims)) {
    const want = SPATIAL[mode].map((d) => `${d + 2}-d`).join(", ");
    throw new Error(`${op}: mode "${mode}" needs a ${want} input [N, C, ...spatial], got shape ${fmtShape(x.shape)}`);
  }
  const inSize = x.shape.slice(2);
  let outSize: number[];
  let scales: (number | null)[] = inSize.map(() => null);
  if (size != null) outSize = perDim("size", size, dims, x);
  else {
    const sf = perDim("scaleFactor", scaleFactor!, dims, x);
    outSize = inSize.map((n, i) => Math.floor(n * sf[i]));
    if (!(options.recomputeScaleFactor || mode === "area")) scales = sf;
  }
  if (outSize.some((n) => !Number.isInteger(n) || n <= 0) || inSize.some((n) => n <= 0)) {
    throw new Error(`${op}: input and output sizes should be greater than 0, but got input ${fmtShape(inSize)} and output ${fmtShape(outSize)}`);
  }
  const name = mode.startsWith("nearest") ? "UpsampleNearestBackward" : mode === "area" ? "AdaptiveAvgPoolBackward" : "UpsampleLinearBackward";
  let y = x;
  // Last dim first: the same order of products as PyTorch's bilinear formula.
  for (let i = dims - 1; i >= 0; i--) {
    const n = inSize[i], m = outSize[i];
    const map = mode === "area" ? areaMap(n, m)
      : linear ? linearMap(n, m, scales[i], alignCorners, x.dtype === "float32")
        : nearestMap(n, m, scales[i], mode === "nearest-exact");
    y = applyMap(name, y, 2 + i, map);
  }
  return y;
}

/** Alias of interpolate (torch.nn.functional.upsample, deprecated there). */
export function upsample(x: Tensor, options: InterpolateOptions = {}): Tensor {
  return interpolate(x, options);
}

/** interpolate with mode "nearest" (torch.nn.functional.upsample_nearest). */
export function upsampleNearest(x: Tensor, options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] } = {}): Tensor {
  return interpolate(x, { ...options, mode: "nearest" });
}

/** interpolate with mode "bilinear" and alignCorners TRUE (torch.nn.functional.upsample_bilinear). */
export function upsampleBilinear(x: Tensor, options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] } = {}): Tensor {
  return interpolate(x, { ...options, mode: "bilinear", alignCorners: true });
}
