// Shared plumbing for the transforms: the Transform type, where random numbers come from, and
// the "raster" view that lets one typed-array kernel serve both an HWC uint8 Image and a
// [..., C, H, W] Tensor (the layouts differ only in strides).

import { Tensor } from "../../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../../tensor/random.js";
import type { Image } from "../image.js";

export type { Image };

/** What the geometric transforms accept and return (the same kind comes back). */
export type ImageOrTensor = Image | Tensor;

/**
 * A transform: a function of the input and, optionally, the generator to draw from.
 * Random transforms draw from, in order of preference: the `generator` passed in the call, the
 * `generator` given in the transform's options, then the library's `defaultGenerator`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Transform<I = any, O = any> = ((input: I, generator?: Generator) => O) & { readonly description?: string };

/** Options shared by every random transform. */
export interface RandomOptions {
  /** Draw from this generator instead of the default one (a per-call generator still wins). */
  generator?: Generator;
}

/** Attach a torchvision-like repr (`RandomCrop(size=[32, 32], padding=4)`) to a transform function. */
export function named<F extends (...args: never[]) => unknown>(fn: F, description: string): F & { description: string } {
  const f = fn as F & { description: string };
  Object.defineProperty(f, "description", { value: description });
  Object.defineProperty(f, "toString", { value: () => description });
  return f;
}

/** The generator a random transform uses for one call. */
export function pickGenerator(call: Generator | undefined, opts: RandomOptions | undefined): Generator {
  return call ?? opts?.generator ?? defaultGenerator;
}

/** torch.empty(1).uniform_(a, b): a + (b − a)·u. */
export function uniform(g: Generator, a: number, b: number): number {
  return a + (b - a) * g.random();
}

/** Python's round(): halves go to the even neighbour (round(2.5) = 2). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's floor division for integers. */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** torchvision's _setup_size: an int or [s] gives [s, s]; [h, w] stays. */
export function setupSize(op: string, size: number | readonly number[], what = "size"): [number, number] {
  const s = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0], size[0]] : [...size];
  if (s.length !== 2) throw new Error(`${op}: please provide only two dimensions (h, w) for ${what}; got [${size}]`);
  for (const v of s) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${what} must be positive integers; got [${s}]`);
  }
  return s as [number, number];
}

/** A (min, max) range from a number (→ [−v, v] or centred on `center`) or a pair, with checks. */
export function checkRange(op: string, name: string, v: number | readonly number[], opts: { center?: number; min?: number } = {}): [number, number] {
  if (typeof v === "number") {
    if (v < 0) throw new Error(`${op}: if ${name} is a single number, it must be non-negative; got ${v}`);
    const c = opts.center ?? 0;
    return [c - v, c + v];
  }
  if (v.length !== 2) throw new Error(`${op}: ${name} should be a number or a sequence of length 2; got [${v}]`);
  if (opts.min !== undefined && (v[0] < opts.min || v[1] < opts.min)) throw new Error(`${op}: ${name} values should be ≥ ${opts.min}; got [${v}]`);
  return [v[0], v[1]];
}

// ---------------------------------------------------------------------------------------------
// Rasters: a typed array plus (planes, c, h, w) and the strides of a pixel within one plane.

export type RasterData = Uint8Array | Float32Array | Float64Array | Int32Array;

export interface Raster {
  data: RasterData;
  /** Leading (batch) dims of a tensor, flattened into `planes`; [] for an Image or a [C, H, W] tensor. */
  lead: number[];
  planes: number;
  c: number;
  h: number;
  w: number;
  /** Strides of channel, row and column inside a plane; a plane is c·h·w elements. */
  cs: number;
  ys: number;
  xs: number;
  image: boolean;
}

/** A raster over an Image (HWC, no copy) or a tensor with ≥ 2 dims ([..., C, H, W]; [H, W] is one channel). */
export function toRaster(op: string, x: ImageOrTensor): Raster {
  if (x instanceof Tensor) {
    if (x.ndim < 2) throw new Error(`${op}: expected a tensor image of shape [..., C, H, W] or [H, W]; got shape [${x.shape.join(", ")}]`);
    const s = x.shape;
    const h = s[s.length - 2], w = s[s.length - 1];
    const c = x.ndim >= 3 ? s[s.length - 3] : 1;
    const lead = x.ndim > 3 ? s.slice(0, s.length - 3) : [];
    let planes = 1;
    for (const d of lead) planes *= d;
    return { data: x.dataRowMajor() as RasterData, lead, planes, c, h, w, cs: h * w, ys: w, xs: 1, image: false };
  }
  if (!isImageLike(x)) throw new Error(`${op}: expected an Image ({ data: Uint8Array, height, width, channels }) or a Tensor; got ${describe(x)}`);
  const { height: h, width: w, channels: c } = x;
  if (x.data.length !== h * w * c) throw new Error(`${op}: image data has ${x.data.length} bytes but ${h}×${w}×${c} needs ${h * w * c}`);
  return { data: x.data, lead: [], planes: 1, c, h, w, cs: 1, ys: w * c, xs: c, image: true };
}

/** A fresh zeroed raster of the same kind/dtype with a new size (and optionally channel count). */
export function emptyLike(r: Raster, h: number, w: number, c = r.c): Raster {
  const n = r.planes * c * h * w;
  const data = r.data instanceof Uint8Array ? new Uint8Array(n)
    : r.data instanceof Float32Array ? new Float32Array(n)
    : r.data instanceof Float64Array ? new Float64Array(n) : new Int32Array(n);
  return r.image
    ? { data, lead: [], planes: 1, c, h, w, cs: 1, ys: w * c, xs: c, image: true }
    : { data, lead: r.lead, planes: r.planes, c, h, w, cs: h * w, ys: w, xs: 1, image: false };
}

/** The Image or Tensor a raster stands for (tensor rank follows the input's: [H, W] stays 2-d). */
export function fromRaster(r: Raster, like: ImageOrTensor): ImageOrTensor {
  if (r.image) return { data: r.data as Uint8Array, height: r.h, width: r.w, channels: r.c };
  const shape = (like as Tensor).ndim === 2 ? [r.h, r.w] : [...r.lead, r.c, r.h, r.w];
  return Tensor.fromData(r.data as Float32Array, shape);
}

/** True for uint8-like rasters (Image, int32 tensor): resampled values are rounded, color ops clamp to 255. */
export function isIntRaster(r: Raster): boolean {
  return r.data instanceof Uint8Array || r.data instanceof Int32Array;
}

/** Math.fround for float32 data (emulates PyTorch's float32 arithmetic), identity for float64. */
export function roundingFor(r: Raster): (v: number) => number {
  return r.data instanceof Float64Array ? (v: number) => v : Math.fround;
}

/** Per-channel fill values from a number or a list of 1 or C values (torchvision's rule). */
export function fillValues(op: string, fill: number | readonly number[] | undefined, c: number): Float64Array {
  const out = new Float64Array(c);
  if (fill === undefined) return out;
  if (typeof fill === "number") return out.fill(fill);
  if (fill.length === 1) return out.fill(fill[0]);
  if (fill.length !== c) {
    throw new Error(`${op}: the number of elements in 'fill' cannot broadcast to match the number of channels of the image (${fill.length} != ${c})`);
  }
  out.set(fill);
  return out;
}

export function isImageLike(x: unknown): x is Image {
  if (typeof x !== "object" || x === null) return false;
  const o = x as Partial<Image>;
  return o.data instanceof Uint8Array && Number.isInteger(o.height) && Number.isInteger(o.width) && Number.isInteger(o.channels);
}

export function describe(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor of shape [${x.shape.join(", ")}] (${x.dtype})`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x === null) return "null";
  if (typeof x === "object") return `an object with keys {${Object.keys(x as object).join(", ")}}`;
  return `${typeof x} ${String(x)}`;
}

/** A list as torchvision's repr prints it: [1, 2]. */
export function fmt(v: readonly number[] | number): string {
  return typeof v === "number" ? String(v) : `[${v.join(", ")}]`;
}
