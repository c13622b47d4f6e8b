// Geometric transforms (torchvision.transforms' Resize, CenterCrop, Pad, RandomCrop, flips,
// RandomResizedCrop, FiveCrop, TenCrop) plus the ResNet scale augmentation RandomScaleCrop.
// Each factory returns a function `(img, generator?) => img` (see index.ts for the rng rule).
// Random draws follow torchvision's order, so the parameter stream is the same shape as theirs.

import {
  type ImageOrTensor, type RandomOptions, type Transform, fmt, named, pickGenerator, uniform, pyRound, setupSize, toRaster,
  fromRaster, fillValues,
} from "./common.js";
import type { Generator } from "../../tensor/random.js";
import {
  type Interpolation, type PadMode, type ResizeOptions, centerCrop, fiveCrop, hflip, pad, padThenCrop, parsePadding,
  resize, resizedCrop, tenCrop, vflip,
} from "./functional_geometric.js";

type GeoTransform = Transform<ImageOrTensor, ImageOrTensor>;

function dims(op: string, img: ImageOrTensor): [number, number] {
  const r = toRaster(op, img);
  return [r.h, r.w];
}

function checkP(op: string, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: probability p should be in [0, 1]; got ${p}`);
  return p;
}

/** Resize(size, { interpolation: "bilinear", maxSize, antialias: false }): one number = shorter side. */
export function Resize(size: number | readonly number[], opts: ResizeOptions = {}): GeoTransform {
  const sz = typeof size === "number" ? size : [...size];
  if (Array.isArray(sz) && sz.length !== 1 && sz.length !== 2) throw new Error(`Resize: size should be an int or a sequence of length 1 or 2; got [${sz}]`);
  return named((img: ImageOrTensor) => resize(img, sz, opts), `Resize(size=${JSON.stringify(sz)}, interpolation=${opts.interpolation ?? "bilinear"}, maxSize=${opts.maxSize ?? null}, antialias=${opts.antialias ?? false})`);
}

/** CenterCrop(size): pads with zeros when the image is smaller. */
export function CenterCrop(size: number | readonly number[]): GeoTransform {
  const s = setupSize("CenterCrop", size);
  return named((img: ImageOrTensor) => centerCrop(img, s), `CenterCrop(size=${fmt(s)})`);
}

/** Pad(padding, { fill: 0, paddingMode: "constant" }). */
export function Pad(padding: number | readonly number[], opts: { fill?: number | readonly number[]; paddingMode?: PadMode } = {}): GeoTransform {
  parsePadding("Pad", padding);
  return named((img: ImageOrTensor) => pad(img, padding, opts), `Pad(padding=${JSON.stringify(padding)}, fill=${JSON.stringify(opts.fill ?? 0)}, paddingMode=${opts.paddingMode ?? "constant"})`);
}

export interface RandomCropOptions extends RandomOptions {
  /** Border added first: p | [lr, tb] | [l, t, r, b]. */
  padding?: number | readonly number[];
  /** Pad (by the shortfall on both sides) when the image is smaller than the crop. */
  padIfNeeded?: boolean;
  fill?: number | readonly number[];
  paddingMode?: PadMode;
}

/**
 * RandomCrop(size, { padding, padIfNeeded, fill, paddingMode }): pad, then crop at a uniformly
 * random position (i then j drawn as torch.randint). Padding and crop are fused into one copy,
 * so RandomCrop(32, { padding: 4 }) never builds the 40×40 image.
 */
export function RandomCrop(size: number | readonly number[], opts: RandomCropOptions = {}): GeoTransform {
  const [th, tw] = setupSize("RandomCrop", size);
  const padding = opts.padding === undefined ? null : parsePadding("RandomCrop", opts.padding);
  if (padding && padding.some((p) => p < 0)) throw new Error(`RandomCrop: padding must be non-negative; got [${padding}]`);
  const mode = opts.paddingMode ?? "constant";
  if (!["constant", "edge", "reflect", "symmetric"].includes(mode)) throw new Error(`RandomCrop: padding mode should be either constant, edge, reflect or symmetric; got ${JSON.stringify(mode)}`);
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const r = toRaster("RandomCrop", img);
    const pads: [number, number, number, number][] = [];
    let h = r.h, w = r.w;
    if (padding) {
      pads.push(padding);
      h += padding[1] + padding[3];
      w += padding[0] + padding[2];
    }
    if (opts.padIfNeeded && w < tw) {
      pads.push([tw - w, 0, tw - w, 0]);
      w += 2 * (tw - w);
    }
    if (opts.padIfNeeded && h < th) {
      pads.push([0, th - h, 0, th - h]);
      h += 2 * (th - h);
    }
    const [i, j] = randomCropParams("RandomCrop", h, w, th, tw, pickGenerator(generator, opts));
    return fromRaster(padThenCrop("RandomCrop", r, pads, mode, fillValues("RandomCrop", opts.fill ?? 0, r.c), i, j, th, tw), img);
  };
  return named(fn, `RandomCrop(size=[${th}, ${tw}], padding=${padding ? `${fmt(padding)}` : null}, padIfNeeded=${!!opts.padIfNeeded}, fill=${JSON.stringify(opts.fill ?? 0)}, paddingMode=${mode})`);
}

/** torchvision RandomCrop.get_params: top i then left j, uniform; no draw when the crop is the whole image. */
export function randomCropParams(op: string, h: number, w: number, th: number, tw: number, g: Generator): [number, number] {
  if (h < th || w < tw) throw new Error(`${op}: required crop size [${th}, ${tw}] is larger than input image size [${h}, ${w}]`);
  if (h === th && w === tw) return [0, 0];
  const i = g.int(0, h - th + 1);
  const j = g.int(0, w - tw + 1);
  return [i, j];
}

/** RandomHorizontalFlip({ p: 0.5 }): mirror left↔right when u < p. */
export function RandomHorizontalFlip(opts: { p?: number } & RandomOptions = {}): GeoTransform {
  const p = checkP("RandomHorizontalFlip", opts.p ?? 0.5);
  return named((img: ImageOrTensor, g?: Generator) => (pickGenerator(g, opts).random() < p ? hflip(img) : img), `RandomHorizontalFlip(p=${p})`);
}

/** RandomVerticalFlip({ p: 0.5 }): mirror top↔bottom when u < p. */
export function RandomVerticalFlip(opts: { p?: number } & RandomOptions = {}): GeoTransform {
  const p = checkP("RandomVerticalFlip", opts.p ?? 0.5);
  return named((img: ImageOrTensor, g?: Generator) => (pickGenerator(g, opts).random() < p ? vflip(img) : img), `RandomVerticalFlip(p=${p})`);
}

export interface RandomResizedCropOptions extends ResizeOptions, RandomOptions {
  /** Range of the crop's area as a fraction of the image. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h, sampled log-uniformly. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
}

/**
 * torchvision RandomResizedCrop.get_params: 10 tries of (area ~ U(scale)·H·W, log-ratio ~ U(log ratio));
 * the first box that fits is placed uniformly; otherwise a centre crop clamped to the ratio range.
 * Returns [top, left, height, width].
 */
export function randomResizedCropParams(h: number, w: number, scale: readonly number[], ratio: readonly number[], g: Generator): [number, number, number, number] {
  const area = h * w;
  const logR0 = Math.log(Math.fround(ratio[0])), logR1 = Math.log(Math.fround(ratio[1]));
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(g, scale[0], scale[1]);
    const aspect = Math.exp(uniform(g, logR0, logR1));
    const cw = pyRound(Math.sqrt(target * aspect));
    const ch = pyRound(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      const i = g.int(0, h - ch + 1);
      const j = g.int(0, w - cw + 1);
      return [i, j, ch, cw];
    }
  }
  const inRatio = w / h;
  let cw: number, ch: number;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    cw = w;
    ch = pyRound(cw / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    ch = h;
    cw = pyRound(ch * Math.max(ratio[0], ratio[1]));
  } else {
    cw = w;
    ch = h;
  }
  return [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw];
}

/** RandomResizedCrop(size, { scale: [0.08, 1], ratio: [3/4, 4/3], interpolation: "bilinear", antialias }). */
export function RandomResizedCrop(size: number | readonly number[], opts: RandomResizedCropOptions = {}): GeoTransform {
  const s = setupSize("RandomResizedCrop", size);
  const scale = opts.scale ?? [0.08, 1.0];
  const ratio = opts.ratio ?? [3 / 4, 4 / 3];
  if (scale.length !== 2 || ratio.length !== 2) throw new Error("RandomResizedCrop: scale and ratio should be [min, max] pairs");
  if (scale[0] > scale[1] || ratio[0] > ratio[1]) throw new Error(`RandomResizedCrop: scale and ratio should be of kind (min, max); got scale [${scale}], ratio [${ratio}]`);
  if (scale[0] < 0 || ratio[0] <= 0) throw new Error(`RandomResizedCrop: scale must be ≥ 0 and ratio > 0; got scale [${scale}], ratio [${ratio}]`);
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const [h, w] = dims("RandomResizedCrop", img);
    const [i, j, ch, cw] = randomResizedCropParams(h, w, scale, ratio, pickGenerator(generator, opts));
    return resizedCrop(img, i, j, ch, cw, s, { interpolation: opts.interpolation, antialias: opts.antialias });
  };
  return named(fn, `RandomResizedCrop(size=${fmt(s)}, scale=${fmt(scale)}, ratio=${fmt(ratio)}, interpolation=${opts.interpolation ?? "bilinear"})`);
}

export interface RandomScaleCropOptions extends RandomOptions {
  /** Shorter side L is drawn uniformly from the integers in [minSize, maxSize]. Default 256. */
  minSize?: number;
  /** Default 480. */
  maxSize?: number;
  /** Square crop taken at a random position after resizing. Default 224. */
  crop?: number;
  interpolation?: Interpolation;
  /** Antialias the downscale (default false, as Resize). */
  antialias?: boolean;
}

/**
 * The ResNet paper's scale augmentation: resize so the shorter side is L ~ U{minSize..maxSize}
 * (256..480), then take a random crop×crop (224) window. Flip separately with RandomHorizontalFlip.
 */
export function RandomScaleCrop(opts: RandomScaleCropOptions = {}): GeoTransform {
  const lo = opts.minSize ?? 256, hi = opts.maxSize ?? 480, c = opts.crop ?? 224;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || !Number.isInteger(c) || lo <= 0 || hi < lo || c <= 0) {
    throw new Error(`RandomScaleCrop: need integers 0 < minSize ≤ maxSize and crop > 0; got minSize ${lo}, maxSize ${hi}, crop ${c}`);
  }
  if (c > lo) throw new Error(`RandomScaleCrop: crop (${c}) must not exceed minSize (${lo}), or the resized image could be smaller than the crop`);
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const g = pickGenerator(generator, opts);
    const L = g.int(lo, hi + 1);
    const resized = resize(img, L, { interpolation: opts.interpolation, antialias: opts.antialias });
    const r = toRaster("RandomScaleCrop", resized);
    const [i, j] = randomCropParams("RandomScaleCrop", r.h, r.w, c, c, g);
    return fromRaster(padThenCrop("RandomScaleCrop", r, [], "constant", new Float64Array(r.c), i, j, c, c), resized);
  };
  return named(fn, `RandomScaleCrop(minSize=${lo}, maxSize=${hi}, crop=${c})`);
}

/** FiveCrop(size): [topLeft, topRight, bottomLeft, bottomRight, center]. */
export function FiveCrop(size: number | readonly number[]): Transform<ImageOrTensor, ImageOrTensor[]> {
  const s = setupSize("FiveCrop", size);
  return named((img: ImageOrTensor) => fiveCrop(img, s), `FiveCrop(size=${fmt(s)})`);
}

/** TenCrop(size, { verticalFlip: false }): the five crops of the image, then of its mirror. */
export function TenCrop(size: number | readonly number[], opts: { verticalFlip?: boolean } = {}): Transform<ImageOrTensor, ImageOrTensor[]> {
  const s = setupSize("TenCrop", size);
  return named((img: ImageOrTensor) => tenCrop(img, s, !!opts.verticalFlip), `TenCrop(size=${fmt(s)}, verticalFlip=${!!opts.verticalFlip})`);
}
