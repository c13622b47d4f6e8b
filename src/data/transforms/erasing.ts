// Random erasing (Zhong et al. 2017), as torchvision's RandomErasing: with probability p, pick a
// box of random area and aspect ratio (10 tries) and overwrite it with a constant, a
// per-channel colour, or standard-normal noise ("random"). Works on tensors [..., C, H, W]
// (after ToTensor, like torchvision); Images are accepted with numeric values.

import type { Generator } from "../../tensor/random.js";
import {
  type ImageOrTensor, type RandomOptions, type Raster, type Transform, emptyLike, fromRaster, isImageLike, fmt, named,
  pickGenerator, pyRound, toRaster, uniform,
} from "./common.js";

/**
 * Copy of `img` with the box (i, j, h, w) set to `v`: a number, per-channel numbers, or a
 * [C·h·w] array of values (channel-major) for the whole box (torchvision's F.erase).
 */
export function erase<T extends ImageOrTensor>(img: T, i: number, j: number, h: number, w: number, v: number | readonly number[] | Float32Array): T {
  const r = toRaster("erase", img);
  if (i < 0 || j < 0 || i + h > r.h || j + w > r.w) throw new Error(`erase: box (${i}, ${j}, ${h}, ${w}) does not fit in a ${r.h}×${r.w} image`);
  const out = emptyLike(r, r.h, r.w);
  out.data.set(r.data as ArrayLike<number>);
  const full = typeof v !== "number" && v.length === r.c * h * w && v.length !== r.c;
  if (typeof v !== "number" && !full && v.length !== 1 && v.length !== r.c) {
    throw new Error(`erase: value should have 1, ${r.c} (channels) or ${r.c * h * w} (C·h·w) elements; got ${v.length}`);
  }
  writeBox(out, i, j, h, w, v, full);
  return fromRaster(out, img) as T;
}

function writeBox(out: Raster, i: number, j: number, h: number, w: number, v: number | readonly number[] | Float32Array, full: boolean): void {
  const d = out.data, plane = out.c * out.h * out.w;
  const int = d instanceof Uint8Array;
  for (let p = 0; p < out.planes; p++) {
    for (let c = 0; c < out.c; c++) {
      const cv = typeof v === "number" ? v : v.length === 1 ? v[0] : v[c];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let val = full ? (v as ArrayLike<number>)[(c * h + y) * w + x] : cv;
          if (int) val = val < 0 ? 0 : val > 255 ? 255 : Math.round(val);
          d[p * plane + c * out.cs + (i + y) * out.ys + (j + x) * out.xs] = val;
        }
      }
    }
  }
}

export interface RandomErasingOptions extends RandomOptions {
  /** Probability of erasing. Default 0.5. */
  p?: number;
  /** Range of the erased area as a fraction of the image. Default [0.02, 0.33]. */
  scale?: readonly [number, number];
  /** Range of the box's aspect ratio h/w (log-uniform). Default [0.3, 3.3]. */
  ratio?: readonly [number, number];
  /** 0 (default), a number, per-channel numbers, or "random" for N(0, 1) noise per element. */
  value?: number | readonly number[] | "random";
}

/**
 * torchvision RandomErasing.get_params: 10 tries; returns [i, j, h, w, values] or null when no
 * box fits (the image is then returned unchanged). Noise values are drawn before the position.
 */
export function randomErasingParams(c: number, H: number, W: number, scale: readonly number[], ratio: readonly number[], value: number[] | null, g: Generator): { i: number; j: number; h: number; w: number; v: number[] | Float32Array } | null {
  const area = H * W;
  const l0 = Math.log(Math.fround(ratio[0])), l1 = Math.log(Math.fround(ratio[1]));
  for (let attempt = 0; attempt < 10; attempt++) {
    const eraseArea = area * uniform(g, scale[0], scale[1]);
    const aspect = Math.exp(uniform(g, l0, l1));
    const h = pyRound(Math.sqrt(eraseArea * aspect));
    const w = pyRound(Math.sqrt(eraseArea / aspect));
    if (!(h < H && w < W)) continue;
    let v: number[] | Float32Array;
    if (value === null) {
      v = new Float32Array(c * h * w);
      for (let k = 0; k < v.length; k++) v[k] = g.normal();
    } else v = value;
    const i = g.int(0, H - h + 1);
    const j = g.int(0, W - w + 1);
    return { i, j, h, w, v };
  }
  return null;
}

/** RandomErasing({ p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 0 }). */
export function RandomErasing(opts: RandomErasingOptions = {}): Transform<ImageOrTensor, ImageOrTensor> {
  const p = opts.p ?? 0.5, scale = opts.scale ?? [0.02, 0.33], ratio = opts.ratio ?? [0.3, 3.3];
  const value = opts.value ?? 0;
  if (typeof value === "string" && value !== "random") throw new Error(`RandomErasing: if value is a string, it should be 'random'; got ${JSON.stringify(value)}`);
  if (typeof value !== "string" && typeof value !== "number" && !Array.isArray(value)) throw new Error("RandomErasing: value should be either a number, \"random\" or a sequence");
  if (scale[0] > scale[1] || ratio[0] > ratio[1]) throw new Error(`RandomErasing: scale and ratio should be of kind (min, max); got scale [${scale}], ratio [${ratio}]`);
  if (scale[0] < 0 || scale[1] > 1) throw new Error(`RandomErasing: scale should be between 0 and 1; got [${scale}]`);
  if (!(p >= 0 && p <= 1)) throw new Error(`RandomErasing: random erasing probability should be between 0 and 1; got ${p}`);
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const r = toRaster("RandomErasing", img);
    if (value === "random" && isImageLike(img)) throw new Error("RandomErasing: value \"random\" needs a float tensor (apply ToTensor first); Images take numeric values");
    const g = pickGenerator(generator, opts);
    if (!(g.random() < p)) return img;
    let vals: number[] | null = null;
    if (value !== "random") {
      vals = typeof value === "number" ? [value] : [...value];
      if (vals.length !== 1 && vals.length !== r.c) {
        throw new Error(`RandomErasing: if value is a sequence, it should have either a single value or ${r.c} (number of input channels); got ${vals.length}`);
      }
    }
    const box = randomErasingParams(r.c, r.h, r.w, scale, ratio, vals, g);
    if (!box) return img;
    return erase(img, box.i, box.j, box.h, box.w, box.v);
  };
  return named(fn, `RandomErasing(p=${p}, scale=${fmt(scale)}, ratio=${fmt(ratio)}, value=${JSON.stringify(value)})`);
}
