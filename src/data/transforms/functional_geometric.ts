// Deterministic geometric functions (torchvision.transforms.functional's crop, pad, flips,
// resize, center_crop, resized_crop, five_crop, ten_crop). They take an Image (HWC uint8) or a
// Tensor ([..., C, H, W] of any dtype; [H, W] too) and return the same kind. Tensors are read,
// never written; outputs do not track gradients.

import {
  type ImageOrTensor, type Raster, toRaster, fromRaster, fillValues, floorDiv, pyRound, setupSize,
} from "./common.js";
import { type PadMode, axisMap, padIndex, remap, resizeBilinear, resizeBilinearAA, resizeNearest } from "./kernels.js";

export type { PadMode };
export type Interpolation = "nearest" | "bilinear";

const PAD_MODES: readonly PadMode[] = ["constant", "edge", "reflect", "symmetric"];

/** Crop the box (top, left, height, width); parts outside the image are zero (torchvision's tensor crop). */
export function crop<T extends ImageOrTensor>(img: T, top: number, left: number, height: number, width: number): T {
  const r = toRaster("crop", img);
  checkBox("crop", top, left, height, width);
  return fromRaster(remap(r, axisMap(top, height, r.h, "constant"), axisMap(left, width, r.w, "constant"), new Float64Array(r.c)), img) as T;
}

function checkBox(op: string, top: number, left: number, height: number, width: number): void {
  if (![top, left, height, width].every(Number.isInteger) || height <= 0 || width <= 0) {
    throw new Error(`${op}: top, left, height, width must be integers with positive height and width; got ${top}, ${left}, ${height}, ${width}`);
  }
}

/** Mirror left↔right. */
export function hflip<T extends ImageOrTensor>(img: T): T {
  const r = toRaster("hflip", img);
  return fromRaster(remap(r, axisMap(0, r.h, r.h, "constant"), axisMap(0, r.w, r.w, "constant", true), new Float64Array(r.c)), img) as T;
}

/** Mirror top↔bottom. */
export function vflip<T extends ImageOrTensor>(img: T): T {
  const r = toRaster("vflip", img);
  return fromRaster(remap(r, axisMap(0, r.h, r.h, "constant", true), axisMap(0, r.w, r.w, "constant"), new Float64Array(r.c)), img) as T;
}

/** torchvision's padding forms: p, [p], [left/right, top/bottom] or [left, top, right, bottom] → [l, t, r, b]. */
export function parsePadding(op: string, padding: number | readonly number[]): [number, number, number, number] {
  const p = typeof padding === "number" ? [padding] : [...padding];
  if (!p.every(Number.isInteger)) throw new Error(`${op}: padding must be integers; got ${JSON.stringify(padding)}`);
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  if (p.length === 4) return [p[0], p[1], p[2], p[3]];
  throw new Error(`${op}: padding must be an int or a 1, 2, or 4 element sequence, not a ${p.length} element sequence`);
}

export interface PadOptions {
  /** Constant fill for "constant" mode: one number or one per channel. Default 0. */
  fill?: number | readonly number[];
  /** "constant" (default), "edge", "reflect" (no edge repeat) or "symmetric" (edge repeated). */
  paddingMode?: PadMode;
}

/** One padding stage along an axis: output coordinate q maps to q − before on an axis of length n. */
interface PadStage { before: number; n: number; mode: PadMode }

function checkPadMode(op: string, mode: unknown): PadMode {
  if (!PAD_MODES.includes(mode as PadMode)) throw new Error(`${op}: padding mode should be either constant, edge, reflect or symmetric; got ${JSON.stringify(mode)}`);
  return mode as PadMode;
}

function checkStage(op: string, s: PadStage, after: number, axis: string): void {
  const worst = Math.max(s.before, after);
  if (s.mode === "reflect" && worst >= s.n) {
    throw new Error(`${op}: reflect padding must be smaller than the ${axis} (${s.n}); got padding ${worst}`);
  }
  if (s.mode === "symmetric" && worst > s.n) {
    throw new Error(`${op}: symmetric padding must be at most the ${axis} (${s.n}); got padding ${worst}`);
  }
}

/** Axis map for `len` outputs from `start`, through padding stages applied in order (the last is outermost). */
function stagedMap(start: number, len: number, stages: readonly PadStage[]): Int32Array {
  const m = new Int32Array(len);
  for (let i = 0; i < len; i++) {
    let q = start + i;
    for (let s = stages.length - 1; s >= 0 && q >= 0; s--) q = padIndex(q - stages[s].before, stages[s].n, stages[s].mode);
    m[i] = q;
  }
  return m;
}

/**
 * Crop (top, left, h, w) out of the image padded by `pads` (each [l, t, r, b], applied in turn),
 * without building the padded image: RandomCrop's padding and padIfNeeded fused into one copy.
 */
export function padThenCrop(op: string, r: Raster, pads: readonly (readonly [number, number, number, number])[], mode: PadMode, fill: Float64Array, top: number, left: number, h: number, w: number): Raster {
  const rows: PadStage[] = [], cols: PadStage[] = [];
  let H = r.h, W = r.w;
  for (const [l, t, rr, b] of pads) {
    const sr = { before: t, n: H, mode }, sc = { before: l, n: W, mode };
    checkStage(op, sr, b, "height");
    checkStage(op, sc, rr, "width");
    rows.push(sr);
    cols.push(sc);
    H += t + b;
    W += l + rr;
  }
  return remap(r, stagedMap(top, h, rows), stagedMap(left, w, cols), fill);
}

/** Pad the borders (torchvision F.pad): padding p | [lr, tb] | [l, t, r, b]; negative values crop. */
export function pad<T extends ImageOrTensor>(img: T, padding: number | readonly number[], opts: PadOptions = {}): T {
  const r = toRaster("pad", img);
  const [l, t, rr, b] = parsePadding("pad", padding);
  const mode = checkPadMode("pad", opts.paddingMode ?? "constant");
  const H = r.h + t + b, W = r.w + l + rr;
  if (H <= 0 || W <= 0) throw new Error(`pad: padding [${l}, ${t}, ${rr}, ${b}] leaves an empty ${H}×${W} image`);
  const fill = fillValues("pad", opts.fill ?? 0, r.c);
  return fromRaster(padThenCrop("pad", r, [[Math.max(l, 0), Math.max(t, 0), Math.max(rr, 0), Math.max(b, 0)]], mode, fill,
    Math.max(-t, 0), Math.max(-l, 0), H, W), img) as T;
}

/** Crop the centre (torchvision F.center_crop): pads with zeros first when the crop is larger than the image. */
export function centerCrop<T extends ImageOrTensor>(img: T, size: number | readonly number[]): T {
  const r = toRaster("centerCrop", img);
  const [ch, cw] = setupSize("centerCrop", size);
  let h = r.h, w = r.w, top0 = 0, left0 = 0;
  if (cw > w || ch > h) {
    // torchvision pads (crop − image) // 2 on the left/top and the rest on the right/bottom.
    left0 = cw > w ? floorDiv(cw - w, 2) : 0;
    top0 = ch > h ? floorDiv(ch - h, 2) : 0;
    w = cw > w ? cw : w;
    h = ch > h ? ch : h;
  }
  const top = pyRound((h - ch) / 2), left = pyRound((w - cw) / 2);
  return crop(img, top - top0, left - left0, ch, cw);
}

/** Output [h, w] of torchvision's resize for `size` (int: shorter side, truncating the longer; [h, w]: exact). */
export function resizedOutputSize(h: number, w: number, size: number | readonly number[], maxSize?: number): [number, number] {
  const sz = typeof size === "number" ? [size] : [...size];
  if (sz.length !== 1 && sz.length !== 2) throw new Error(`resize: size must be an int or a 1 or 2 element sequence, not a ${sz.length} element sequence`);
  if (!sz.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`resize: size must be positive integers; got ${JSON.stringify(size)}`);
  if (maxSize !== undefined && sz.length !== 1) {
    throw new Error("resize: maxSize should only be passed if size specifies the length of the smaller edge, i.e. size should be an int or a sequence of length 1");
  }
  if (sz.length === 2) return [sz[0], sz[1]];
  const [short, long] = w <= h ? [w, h] : [h, w];
  let newShort = sz[0], newLong = Math.trunc((sz[0] * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= sz[0]) throw new Error(`resize: maxSize = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${sz[0]}`);
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

export interface ResizeOptions {
  /** "bilinear" (default) or "nearest". */
  interpolation?: Interpolation;
  /** Cap on the longer side when size is one number (torchvision's max_size). */
  maxSize?: number;
  /** Low-pass before downscaling (PIL-like). Default false, torchvision 0.14's default for tensors. */
  antialias?: boolean;
}

/** Resize (torchvision F.resize on tensors): size n = shorter side to n, keeping the aspect ratio; [h, w] = exact. */
export function resize<T extends ImageOrTensor>(img: T, size: number | readonly number[], opts: ResizeOptions = {}): T {
  const r = toRaster("resize", img);
  const interp = opts.interpolation ?? "bilinear";
  if (interp !== "bilinear" && interp !== "nearest") throw new Error(`resize: interpolation must be "bilinear" or "nearest"; got ${JSON.stringify(interp)}`);
  if (opts.antialias && interp !== "bilinear") throw new Error("resize: antialias option is supported for bilinear interpolation only");
  const [oh, ow] = resizedOutputSize(r.h, r.w, size, opts.maxSize);
  if (oh === r.h && ow === r.w) return img;
  const out = interp === "nearest" ? resizeNearest(r, oh, ow) : opts.antialias ? resizeBilinearAA(r, oh, ow) : resizeBilinear(r, oh, ow);
  return fromRaster(out, img) as T;
}

/** Crop then resize (torchvision F.resized_crop). */
export function resizedCrop<T extends ImageOrTensor>(img: T, top: number, left: number, height: number, width: number, size: number | readonly number[], opts: ResizeOptions = {}): T {
  return resize(crop(img, top, left, height, width), size, opts);
}

/** The four corners and the centre: [topLeft, topRight, bottomLeft, bottomRight, center]. */
export function fiveCrop<T extends ImageOrTensor>(img: T, size: number | readonly number[]): T[] {
  const r = toRaster("fiveCrop", img);
  const [ch, cw] = setupSize("fiveCrop", size);
  if (cw > r.w || ch > r.h) throw new Error(`fiveCrop: requested crop size [${ch}, ${cw}] is bigger than input size [${r.h}, ${r.w}]`);
  return [
    crop(img, 0, 0, ch, cw),
    crop(img, 0, r.w - cw, ch, cw),
    crop(img, r.h - ch, 0, ch, cw),
    crop(img, r.h - ch, r.w - cw, ch, cw),
    centerCrop(img, [ch, cw]),
  ];
}

/** fiveCrop of the image, then fiveCrop of its horizontal (or, with verticalFlip, vertical) mirror: 10 crops. */
export function tenCrop<T extends ImageOrTensor>(img: T, size: number | readonly number[], verticalFlip = false): T[] {
  const first = fiveCrop(img, size);
  return [...first, ...fiveCrop(verticalFlip ? vflip(img) : hflip(img), size)];
}
