// Conversions (ToTensor, PILToTensor, ToImage), Normalize, mean-image subtraction, and the
// containers (Compose, Lambda, RandomApply, RandomChoice, RandomOrder).

import { Tensor } from "../../tensor/tensor.js";
import type { Generator } from "../../tensor/random.js";
import { sub, div } from "../../ops/elementwise.js";
import { isGradEnabled } from "../../autograd/grad_mode.js";
import {
  type Image, type ImageOrTensor, type RandomOptions, type Transform, describe, isImageLike, fmt, named, pickGenerator,
} from "./common.js";

const INV255 = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255; // float32(i / 255) is exactly torch's uint8 → float32 then /255
  return t;
})();

function checkImage(op: string, x: unknown): Image {
  if (x instanceof Tensor) throw new Error(`${op}: input should be an Image (HWC uint8); got ${describe(x)} — it is already a tensor`);
  if (!isImageLike(x)) throw new Error(`${op}: input should be an Image ({ data: Uint8Array, height, width, channels }); got ${describe(x)}`);
  if (x.data.length !== x.height * x.width * x.channels) throw new Error(`${op}: image data has ${x.data.length} bytes but ${x.height}×${x.width}×${x.channels} needs ${x.height * x.width * x.channels}`);
  return x;
}

/** Image (HWC uint8) → float32 tensor [C, H, W] in [0, 1] (torchvision's to_tensor). */
export function toTensor(img: Image): Tensor {
  const { data, height: H, width: W, channels: C } = checkImage("toTensor", img);
  const out = new Float32Array(C * H * W);
  const hw = H * W;
  if (C === 1) {
    for (let k = 0; k < hw; k++) out[k] = INV255[data[k]];
  } else if (C === 3) {
    for (let k = 0, s = 0; k < hw; k++, s += 3) {
      out[k] = INV255[data[s]];
      out[k + hw] = INV255[data[s + 1]];
      out[k + 2 * hw] = INV255[data[s + 2]];
    }
  } else {
    for (let k = 0, s = 0; k < hw; k++) for (let c = 0; c < C; c++) out[c * hw + k] = INV255[data[s++]];
  }
  return Tensor.fromData(out, [C, H, W]);
}

/** Image → int32 tensor [C, H, W] with the raw 0..255 values (torchvision's pil_to_tensor; Kestrel has no uint8 dtype). */
export function pilToTensor(img: Image): Tensor {
  const { data, height: H, width: W, channels: C } = checkImage("pilToTensor", img);
  const out = new Int32Array(C * H * W);
  const hw = H * W;
  for (let k = 0, s = 0; k < hw; k++) for (let c = 0; c < C; c++) out[c * hw + k] = data[s++];
  return Tensor.fromData(out, [C, H, W]);
}

/**
 * Tensor [C, H, W] (or [H, W]) → Image, like torchvision's to_pil_image: float values are
 * multiplied by 255 and truncated (clamped to [0, 255]); int32 values are clamped.
 */
export function toImage(x: Tensor): Image {
  if (!(x instanceof Tensor)) throw new Error(`toImage: expected a Tensor [C, H, W]; got ${describe(x)}`);
  if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`toImage: expected a tensor of shape [C, H, W] or [H, W]; got [${x.shape.join(", ")}]`);
  const [C, H, W] = x.ndim === 2 ? [1, x.shape[0], x.shape[1]] : x.shape;
  const src = x.dataRowMajor(), hw = H * W, out = new Uint8Array(C * hw);
  const scale = x.dtype === "int32" ? 1 : 255;
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < hw; k++) {
      const v = Math.trunc(src[c * hw + k] * scale);
      out[k * C + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: out, height: H, width: W, channels: C };
}

/** ToTensor(): Image → float32 [C, H, W] in [0, 1]. */
export function ToTensor(): Transform<Image, Tensor> {
  return named((img: Image) => toTensor(img), "ToTensor()");
}

/** PILToTensor(): Image → int32 [C, H, W] in 0..255. */
export function PILToTensor(): Transform<Image, Tensor> {
  return named((img: Image) => pilToTensor(img), "PILToTensor()");
}

/** ToImage(): tensor → Image (torchvision's ToPILImage). */
export function ToImage(): Transform<Tensor, Image> {
  return named((x: Tensor) => toImage(x), "ToImage()");
}

function perChannel(op: string, name: string, v: number | readonly number[], c: number): number[] {
  const a = typeof v === "number" ? [v] : [...v];
  if (a.length !== 1 && a.length !== c) throw new Error(`${op}: ${name} has ${a.length} values but the image has ${c} channels; give 1 or ${c}`);
  return a.length === 1 ? new Array(c).fill(a[0]) : a;
}

/**
 * (x − mean[c]) / std[c] per channel of a float tensor [..., C, H, W] (torchvision's normalize;
 * always returns a new tensor). Differentiable when x requires grad.
 */
export function normalize(x: Tensor, mean: number | readonly number[], std: number | readonly number[]): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`normalize: expected a float tensor [..., C, H, W] (apply ToTensor first); got ${describe(x)}`);
  if (x.dtype === "int32") throw new Error("normalize: input tensor should be a float tensor; got int32");
  if (x.ndim < 3) throw new Error(`normalize: expected a tensor image of size [..., C, H, W]; got shape [${x.shape.join(", ")}]`);
  const [C, H, W] = x.shape.slice(-3);
  const f32 = x.dtype === "float32";
  const m = perChannel("normalize", "mean", mean, C).map((v) => (f32 ? Math.fround(v) : v));
  const s = perChannel("normalize", "std", std, C).map((v) => (f32 ? Math.fround(v) : v));
  if (s.some((v) => v === 0)) throw new Error(`normalize: std evaluated to zero after conversion to ${x.dtype}, leading to division by zero; got std [${s}]`);
  if (x.requiresGrad && isGradEnabled()) {
    const mt = Tensor.fromData(f32 ? Float32Array.from(m) : Float64Array.from(m), [C, 1, 1]);
    const st = Tensor.fromData(f32 ? Float32Array.from(s) : Float64Array.from(s), [C, 1, 1]);
    return div(sub(x, mt), st);
  }
  const src = x.dataRowMajor(), hw = H * W, n = src.length;
  const out = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let base = 0; base < n; base += C * hw) {
    for (let c = 0; c < C; c++) {
      const mc = m[c], sc = s[c], o = base + c * hw;
      if (f32) for (let k = o; k < o + hw; k++) out[k] = Math.fround(src[k] - mc) / sc;
      else for (let k = o; k < o + hw; k++) out[k] = (src[k] - mc) / sc;
    }
  }
  return Tensor.fromData(out, [...x.shape]);
}

/** Normalize(mean, std): per-channel standardisation of a float tensor (after ToTensor). */
export function Normalize(mean: number | readonly number[], std: number | readonly number[]): Transform<Tensor, Tensor> {
  const m = typeof mean === "number" ? [mean] : [...mean], s = typeof std === "number" ? [std] : [...std];
  if (m.length === 0 || s.length === 0) throw new Error("Normalize: mean and std must not be empty");
  return named((x: Tensor) => normalize(x, m, s), `Normalize(mean=${fmt(m)}, std=${fmt(s)})`);
}

/**
 * SubtractMeanImage(meanImage): x − meanImage for a float tensor whose trailing dims equal
 * meanImage's shape (e.g. [C, H, W] from computeMeanImage), the AlexNet-era preprocessing.
 */
export function SubtractMeanImage(meanImage: Tensor): Transform<Tensor, Tensor> {
  if (!(meanImage instanceof Tensor) || meanImage.dtype === "int32") throw new Error(`SubtractMeanImage: meanImage must be a float tensor; got ${describe(meanImage)}`);
  const mean = meanImage.toArray();
  const mshape = [...meanImage.shape];
  const fn = (x: Tensor): Tensor => {
    if (!(x instanceof Tensor) || x.dtype === "int32") throw new Error(`SubtractMeanImage: expected a float tensor (apply ToTensor first); got ${describe(x)}`);
    const tail = x.shape.slice(x.ndim - mshape.length);
    if (x.ndim < mshape.length || tail.some((d, i) => d !== mshape[i])) {
      throw new Error(`SubtractMeanImage: input shape [${x.shape.join(", ")}] does not end with the mean image's shape [${mshape.join(", ")}]`);
    }
    if (x.requiresGrad && isGradEnabled()) return sub(x, meanImage.to(x.dtype));
    const src = x.dataRowMajor(), n = src.length, k = mean.length;
    const out = x.dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = src[i] - mean[i % k];
    return Tensor.fromData(out, [...x.shape]);
  };
  return named(fn, `SubtractMeanImage(shape=${fmt(mshape)})`);
}

/** Compose([t1, t2, ...]): apply in order, handing each the same generator. */
export function Compose(transforms: readonly Transform[]): Transform {
  if (!Array.isArray(transforms)) throw new Error(`Compose: expected an array of transforms; got ${describe(transforms)}`);
  transforms.forEach((t, i) => {
    if (typeof t !== "function") throw new Error(`Compose: transform ${i} is not a function; got ${describe(t)}`);
  });
  const ts = [...transforms];
  const fn = (x: unknown, g?: Generator): unknown => {
    for (let i = 0; i < ts.length; i++) x = ts[i](x, g);
    return x;
  };
  return named(fn, `Compose(\n${ts.map((t) => `    ${String(t.description ?? t.name ?? "<fn>")}`).join("\n")}\n)`);
}

/** Lambda(fn): wraps a user function as a transform. */
export function Lambda<I, O>(fn: (x: I, generator?: Generator) => O): Transform<I, O> {
  if (typeof fn !== "function") throw new Error(`Lambda: expected a function; got ${describe(fn)}`);
  return named((x: I, g?: Generator) => fn(x, g), "Lambda()");
}

/** RandomApply(transforms, { p: 0.5 }): applies all of them (in order) with probability p. */
export function RandomApply(transforms: readonly Transform[], opts: { p?: number } & RandomOptions = {}): Transform {
  const p = opts.p ?? 0.5;
  const inner = Compose(transforms);
  return named((x: unknown, g?: Generator) => {
    const gen = pickGenerator(g, opts);
    return p < gen.random() ? x : inner(x, g);
  }, `RandomApply(p=${p})`);
}

/** RandomChoice(transforms, { p: weights }): applies one, picked with the given (relative) weights. */
export function RandomChoice(transforms: readonly Transform[], opts: { p?: readonly number[] } & RandomOptions = {}): Transform {
  if (transforms.length === 0) throw new Error("RandomChoice: needs at least one transform");
  const w = opts.p ?? transforms.map(() => 1);
  if (w.length !== transforms.length) throw new Error(`RandomChoice: got ${w.length} weights for ${transforms.length} transforms`);
  const total = w.reduce((a, b) => a + b, 0);
  return named((x: unknown, g?: Generator) => {
    const gen = pickGenerator(g, opts);
    let u = gen.random() * total, k = 0;
    while (k < w.length - 1 && u >= w[k]) u -= w[k++];
    return transforms[k](x, g);
  }, `RandomChoice(n=${transforms.length})`);
}

/** RandomOrder(transforms): applies all of them in a random order. */
export function RandomOrder(transforms: readonly Transform[], opts: RandomOptions = {}): Transform {
  return named((x: unknown, g?: Generator) => {
    const gen = pickGenerator(g, opts);
    const order = transforms.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = gen.int(0, i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) x = transforms[i](x, g);
    return x;
  }, `RandomOrder(n=${transforms.length})`);
}

export type { ImageOrTensor };
