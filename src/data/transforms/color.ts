// Photometric transforms: torchvision's adjust_brightness / contrast / saturation / hue (tensor
// versions, float32 arithmetic emulated) and ColorJitter, plus AlexNet's PCA lighting noise.
// Inputs: an Image (HWC uint8) or a tensor [..., C, H, W] with C = 1 or 3. Float tensors are
// taken to be in [0, 1] and clamped there; Images and int32 tensors are taken to be in
// [0, 255], clamped and truncated like torchvision's uint8 tensors.

import type { Generator } from "../../tensor/random.js";
import {
  type ImageOrTensor, type RandomOptions, type Raster, type Transform, emptyLike, fromRaster, isIntRaster, named,
  pickGenerator, roundingFor, toRaster, uniform,
} from "./common.js";

function colorRaster(op: string, img: ImageOrTensor): Raster {
  const r = toRaster(op, img);
  if (r.c !== 1 && r.c !== 3) throw new Error(`${op}: input image permitted channel values are [1, 3], but found ${r.c}`);
  return r;
}

function checkFactor(op: string, name: string, v: number): void {
  if (!(v >= 0)) throw new Error(`${op}: ${name} (${v}) is not non-negative`);
}

/** Luma (0.2989 R + 0.587 G + 0.114 B) per pixel of one plane, cast like the input (truncated for uint8). */
function grayscalePlane(r: Raster, p: number, R: (v: number) => number, out: Float64Array): void {
  const src = r.data, int = isIntRaster(r);
  const base = p * r.c * r.h * r.w;
  const c0 = R(0.2989), c1 = R(0.587), c2 = R(0.114);
  let k = 0;
  for (let y = 0; y < r.h; y++) {
    for (let x = 0; x < r.w; x++) {
      const o = base + y * r.ys + x * r.xs;
      if (r.c === 1) { out[k++] = src[o]; continue; }
      const l = R(R(R(c0 * src[o]) + R(c1 * src[o + r.cs])) + R(c2 * src[o + 2 * r.cs]));
      out[k++] = int ? Math.trunc(l) : l;
    }
  }
}

/**
 * torchvision's _blend: ratio·img + (1 − ratio)·other, clamped to [0, bound] and cast back
 * (truncated for integers). `other(p, k)` gives the blend partner for plane p, pixel k.
 */
function blend(r: Raster, ratio: number, other: (p: number) => Float64Array | number): Raster {
  const out = emptyLike(r, r.h, r.w);
  const R = roundingFor(r), int = isIntRaster(r), bound = int ? 255 : 1;
  const a = R(ratio), b = R(1 - ratio);
  const src = r.data, dst = out.data, plane = r.c * r.h * r.w;
  for (let p = 0; p < r.planes; p++) {
    const o2 = other(p);
    const scalar = typeof o2 === "number" ? R(b * o2) : 0;
    for (let c = 0; c < r.c; c++) {
      let k = 0;
      for (let y = 0; y < r.h; y++) {
        for (let x = 0; x < r.w; x++, k++) {
          const i = p * plane + c * r.cs + y * r.ys + x * r.xs;
          let v = R(R(a * src[i]) + (typeof o2 === "number" ? scalar : R(b * o2[k])));
          v = v < 0 ? 0 : v > bound ? bound : v;
          dst[i] = int ? Math.trunc(v) : v;
        }
      }
    }
  }
  return out;
}

/** Multiply by `factor` (0 = black, 1 = unchanged), clamp. */
export function adjustBrightness<T extends ImageOrTensor>(img: T, factor: number): T {
  checkFactor("adjustBrightness", "brightness factor", factor);
  const r = colorRaster("adjustBrightness", img);
  return fromRaster(blend(r, factor, () => 0), img) as T;
}

/** Blend with the mean luma of each image (0 = flat grey, 1 = unchanged). */
export function adjustContrast<T extends ImageOrTensor>(img: T, factor: number): T {
  checkFactor("adjustContrast", "contrast factor", factor);
  const r = colorRaster("adjustContrast", img);
  const R = roundingFor(r);
  const gray = new Float64Array(r.h * r.w);
  return fromRaster(blend(r, factor, (p) => {
    if (r.c === 3) grayscalePlane(r, p, R, gray);
    let sum = 0;
    if (r.c === 3) for (let k = 0; k < gray.length; k++) sum += gray[k];
    else for (let k = 0, o = p * r.h * r.w; k < gray.length; k++) sum += r.data[o + k]; // one channel: HWC and CHW agree
    return R(sum / gray.length);
  }), img) as T;
}

/** Blend with the per-pixel luma (0 = greyscale, 1 = unchanged). One-channel images are returned as is. */
export function adjustSaturation<T extends ImageOrTensor>(img: T, factor: number): T {
  checkFactor("adjustSaturation", "saturation factor", factor);
  const r = colorRaster("adjustSaturation", img);
  if (r.c === 1) return img;
  const R = roundingFor(r);
  const gray = new Float64Array(r.h * r.w);
  return fromRaster(blend(r, factor, (p) => { grayscalePlane(r, p, R, gray); return gray; }), img) as T;
}

/** Luma image with 1 (or 3 identical) channels, like torchvision's rgb_to_grayscale. */
export function rgbToGrayscale<T extends ImageOrTensor>(img: T, numOutputChannels: 1 | 3 = 1): T {
  const r = colorRaster("rgbToGrayscale", img);
  if (numOutputChannels !== 1 && numOutputChannels !== 3) throw new Error(`rgbToGrayscale: numOutputChannels should be either 1 or 3; got ${numOutputChannels}`);
  const out = emptyLike(r, r.h, r.w, numOutputChannels);
  const gray = new Float64Array(r.h * r.w), R = roundingFor(r);
  for (let p = 0; p < r.planes; p++) {
    grayscalePlane(r, p, R, gray);
    for (let c = 0; c < numOutputChannels; c++) {
      for (let k = 0; k < gray.length; k++) {
        out.data[p * numOutputChannels * gray.length + c * out.cs + Math.floor(k / r.w) * out.ys + (k % r.w) * out.xs] = gray[k];
      }
    }
  }
  return fromRaster(out, img) as T;
}

/**
 * Shift the hue by `factor` turns (in [−0.5, 0.5]) through HSV, exactly as torchvision's tensor
 * adjust_hue (uint8: /255 in, ·255 truncated out). One-channel images are returned as is.
 */
export function adjustHue<T extends ImageOrTensor>(img: T, factor: number): T {
  if (!(factor >= -0.5 && factor <= 0.5)) throw new Error(`adjustHue: hue factor (${factor}) is not in [-0.5, 0.5]`);
  const r = colorRaster("adjustHue", img);
  if (r.c === 1) return img;
  const out = emptyLike(r, r.h, r.w);
  const R = roundingFor(r), int = isIntRaster(r), hf = R(factor);
  const src = r.data, dst = out.data, plane = 3 * r.h * r.w;
  for (let p = 0; p < r.planes; p++) {
    for (let y = 0; y < r.h; y++) {
      for (let x = 0; x < r.w; x++) {
        const i = p * plane + y * r.ys + x * r.xs, ig = i + r.cs, ib = i + 2 * r.cs;
        let rr = src[i], gg = src[ig], bb = src[ib];
        if (int) { rr = R(rr / 255); gg = R(gg / 255); bb = R(bb / 255); }
        // RGB → HSV (torchvision's _rgb2hsv)
        const maxc = Math.max(rr, gg, bb), minc = Math.min(rr, gg, bb);
        const eqc = maxc === minc;
        const cr = R(maxc - minc);
        const s = R(cr / (eqc ? 1 : maxc));
        const d = eqc ? 1 : cr;
        const rc = R(R(maxc - rr) / d), gc = R(R(maxc - gg) / d), bc = R(R(maxc - bb) / d);
        const hr = maxc === rr ? R(bc - gc) : 0;
        const hg = maxc === gg && maxc !== rr ? R(R(2 + rc) - bc) : 0;
        const hb = maxc !== gg && maxc !== rr ? R(R(4 + gc) - rc) : 0;
        let h = R(R(hr + hg) + hb);
        h = R(R(h / 6) + 1) % 1;
        // shift (Python-style remainder keeps h in [0, 1))
        h = R(h + hf);
        if (h < 0) h = R(h + 1); else if (h >= 1) h = R(h - 1);
        // HSV → RGB (torchvision's _hsv2rgb)
        const h6 = R(h * 6), fi = Math.floor(h6), f = R(h6 - fi);
        const v = maxc;
        const clamp01 = (t: number): number => (t < 0 ? 0 : t > 1 ? 1 : t);
        const pp = clamp01(R(v * R(1 - s)));
        const q = clamp01(R(v * R(1 - R(s * f))));
        const t = clamp01(R(v * R(1 - R(s * R(1 - f)))));
        let o0: number, o1: number, o2: number;
        switch (((fi % 6) + 6) % 6) {
          case 0: o0 = v; o1 = t; o2 = pp; break;
          case 1: o0 = q; o1 = v; o2 = pp; break;
          case 2: o0 = pp; o1 = v; o2 = t; break;
          case 3: o0 = pp; o1 = q; o2 = v; break;
          case 4: o0 = t; o1 = pp; o2 = v; break;
          default: o0 = v; o1 = pp; o2 = q; break;
        }
        if (int) { o0 = Math.trunc(R(o0 * 255)); o1 = Math.trunc(R(o1 * 255)); o2 = Math.trunc(R(o2 * 255)); }
        dst[i] = o0; dst[ig] = o1; dst[ib] = o2;
      }
    }
  }
  return fromRaster(out, img) as T;
}

type Range = [number, number] | null;

function jitterRange(name: string, v: number | readonly number[] | undefined, center: number, lo: number, hi: number, clipFirst: boolean): Range {
  if (v === undefined) return null;
  let out: [number, number];
  if (typeof v === "number") {
    if (v < 0) throw new Error(`ColorJitter: if ${name} is a single number, it must be non negative; got ${v}`);
    out = [center - v, center + v];
    if (clipFirst) out[0] = Math.max(out[0], 0);
  } else {
    if (v.length !== 2) throw new Error(`ColorJitter: ${name} should be a single number or a list/tuple with length 2; got [${v}]`);
    out = [v[0], v[1]];
  }
  if (!(lo <= out[0] && out[0] <= out[1] && out[1] <= hi)) throw new Error(`ColorJitter: ${name} values should be between [${lo}, ${hi}]; got [${out}]`);
  return out[0] === center && out[1] === center ? null : out;
}

export interface ColorJitterOptions extends RandomOptions {
  /** f ~ U[max(0, 1 − b), 1 + b] (or a [min, max] pair). */
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  /** f ~ U[−h, h], h ≤ 0.5 (or a pair within [−0.5, 0.5]). */
  hue?: number | readonly [number, number];
}

/**
 * ColorJitter({ brightness, contrast, saturation, hue }): draws a random order of the four
 * adjustments (a permutation, like torch.randperm(4)), then each factor in the fixed order
 * brightness, contrast, saturation, hue, then applies them in the drawn order.
 */
export function ColorJitter(opts: ColorJitterOptions = {}): Transform<ImageOrTensor, ImageOrTensor> {
  const ranges: Range[] = [
    jitterRange("brightness", opts.brightness, 1, 0, Infinity, true),
    jitterRange("contrast", opts.contrast, 1, 0, Infinity, true),
    jitterRange("saturation", opts.saturation, 1, 0, Infinity, true),
    jitterRange("hue", opts.hue, 0, -0.5, 0.5, false),
  ];
  const apply = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const g = pickGenerator(generator, opts);
    const order = [0, 1, 2, 3];
    for (let i = 3; i > 0; i--) {
      const j = g.int(0, i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const factors = ranges.map((rg) => (rg ? uniform(g, rg[0], rg[1]) : null));
    let out = img;
    for (const k of order) if (factors[k] !== null) out = apply[k](out, factors[k]!);
    return out;
  };
  const fmt = (r: Range): string => (r ? `[${r.map((v) => +v.toFixed(4)).join(", ")}]` : "null");
  return named(fn, `ColorJitter(brightness=${fmt(ranges[0])}, contrast=${fmt(ranges[1])}, saturation=${fmt(ranges[2])}, hue=${fmt(ranges[3])})`);
}

/** ImageNet RGB principal components (fb.resnet.torch), for inputs scaled to [0, 1]. */
export const IMAGENET_PCA = {
  eigval: [0.2175, 0.0188, 0.0045],
  eigvec: [
    [-0.5675, 0.7192, 0.4009],
    [-0.5808, -0.0045, -0.814],
    [-0.5836, -0.6948, 0.4203],
  ],
} as const;

/**
 * AlexNet's PCA lighting noise: draw α ~ N(0, alphastd²)³ once per image and add
 * Σ_j eigvec[i][j]·α_j·eigval[j] to channel i (eigvec's columns are the eigenvectors; use
 * computePCALighting for a dataset's own). Float tensors get the shift as is (no clamp, as in
 * AlexNet / fb.resnet.torch); Images get 255× it, rounded and clamped to [0, 255].
 */
export function Lighting(alphastd: number, eigval: readonly number[] = IMAGENET_PCA.eigval, eigvec: readonly (readonly number[])[] = IMAGENET_PCA.eigvec, opts: RandomOptions = {}): Transform<ImageOrTensor, ImageOrTensor> {
  if (!(alphastd >= 0)) throw new Error(`Lighting: alphastd must be ≥ 0; got ${alphastd}`);
  if (eigval.length !== 3 || eigvec.length !== 3 || eigvec.some((row) => row.length !== 3)) {
    throw new Error(`Lighting: expected 3 eigenvalues and a 3×3 eigenvector matrix; got ${eigval.length} and ${eigvec.length}×${eigvec[0]?.length}`);
  }
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const r = toRaster("Lighting", img);
    if (r.c !== 3) throw new Error(`Lighting: expects 3 (RGB) channels; got ${r.c}`);
    if (alphastd === 0) return img;
    const g = pickGenerator(generator, opts);
    const alpha = [g.normal() * alphastd, g.normal() * alphastd, g.normal() * alphastd];
    const rgb = [0, 1, 2].map((i) => eigvec[i][0] * alpha[0] * eigval[0] + eigvec[i][1] * alpha[1] * eigval[1] + eigvec[i][2] * alpha[2] * eigval[2]);
    const out = emptyLike(r, r.h, r.w);
    const int = isIntRaster(r), src = r.data, dst = out.data, plane = 3 * r.h * r.w;
    for (let p = 0; p < r.planes; p++) {
      for (let c = 0; c < 3; c++) {
        const shift = int ? 255 * rgb[c] : rgb[c];
        for (let y = 0; y < r.h; y++) {
          for (let x = 0; x < r.w; x++) {
            const i = p * plane + c * r.cs + y * r.ys + x * r.xs;
            const v = src[i] + shift;
            dst[i] = int ? (v < 0 ? 0 : v > 255 ? 255 : Math.round(v)) : v;
          }
        }
      }
    }
    return fromRaster(out, img);
  };
  return named(fn, `Lighting(alphastd=${alphastd})`);
}
