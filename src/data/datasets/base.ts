// The shared machinery of the vision datasets: applying transform / targetTransform, and an
// in-memory image store (MNIST, Fashion-MNIST, CIFAR) with a fast whole-dataset tensor path.

import { Tensor } from "../../tensor/tensor.js";
import type { Dataset } from "../dataset.js";
import { checkIndex } from "../dataset.js";
import type { Image } from "../image.js";

/**
 * A transform: a function `x => y`, or an object with a `forward(x)` method (the transform
 * classes of `data.transforms`, like nn modules).
 */
export type Transform<I = any, O = any> = ((x: I) => O) | { forward(x: I): O };

/** @internal Applies a transform of either shape; `undefined` means identity. */
export function applyTransform<I, O>(t: Transform<I, O> | undefined | null, x: I): O | I {
  if (t === undefined || t === null) return x;
  if (typeof t === "function") return t(x);
  if (typeof (t as { forward?: unknown }).forward === "function") return t.forward(x);
  throw new Error(`transform: expected a function or an object with a forward(x) method, got ${Object.prototype.toString.call(t)}`);
}

/** Options every vision dataset takes (torchvision's names). */
export interface VisionOptions {
  /** Applied to the Image; default none, so `get` returns the raw Image (as torchvision returns a PIL image). */
  transform?: Transform;
  /** Applied to the integer label; default none (the label is a number). */
  targetTransform?: Transform;
}

/** What `toTensors` returns: every image and label at once, for the classic classifiers. */
export interface DatasetTensors {
  /** float32 [N, C, H, W] (or [N, C*H*W] with `flatten`), pixels/255 unless `scale: false`. */
  images: Tensor;
  /** int32 [N]. */
  labels: Tensor;
}

export interface ToTensorsOptions {
  /** Divide by 255 so values lie in [0, 1] like ToTensor (default true); false keeps 0..255. */
  scale?: boolean;
  /** Return images as [N, C*H*W] rows (default false). */
  flatten?: boolean;
}

/**
 * An in-memory image classification dataset: N images of the same size stored as bytes
 * (`layout` "hwc" for IDX files, "chw" for CIFAR records) in a SharedArrayBuffer, so DataLoader
 * workers share them instead of copying, and `targets` as an Int32Array.
 */
export class ImageArrayDataset implements Dataset<[unknown, unknown]> {
  /** Class names, indexed by label. */
  classes: string[];
  /** Raw pixel bytes of every image, `layout` order per image. */
  pixels: Uint8Array;
  /** "hwc" or "chw": the byte order of each image in `pixels`. */
  layout: "hwc" | "chw";
  height: number;
  width: number;
  channels: number;
  /** Labels (torchvision's `targets`). */
  targets: Int32Array;
  transform: Transform | undefined;
  targetTransform: Transform | undefined;

  constructor(init: {
    pixels: Uint8Array; layout: "hwc" | "chw"; height: number; width: number; channels: number;
    targets: Int32Array; classes: string[];
  } & VisionOptions) {
    this.pixels = init.pixels;
    this.layout = init.layout;
    this.height = init.height;
    this.width = init.width;
    this.channels = init.channels;
    this.targets = init.targets;
    this.classes = init.classes;
    this.transform = init.transform;
    this.targetTransform = init.targetTransform;
  }

  get length(): number { return this.targets.length; }

  /** `{ className: index }` (torchvision's `class_to_idx`). */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  /** Image i as a fresh HWC Image (a copy, so a transform may modify it freely). */
  image(index: number): Image {
    const i = checkIndex(`${this.constructor.name}.image`, index, this.length);
    const { height: h, width: w, channels: c } = this;
    const n = h * w * c;
    const src = this.pixels.subarray(i * n, (i + 1) * n);
    if (this.layout === "hwc" || c === 1) return { data: src.slice(), height: h, width: w, channels: c };
    const data = new Uint8Array(n);
    const plane = h * w;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < plane; p++) data[p * c + ch] = src[ch * plane + p];
    }
    return { data, height: h, width: w, channels: c };
  }

  /** `[transform(image), targetTransform(label)]`; without transforms, `[Image, number]`. */
  get(index: number): [unknown, unknown] {
    const i = checkIndex(`${this.constructor.name}.get`, index, this.length);
    return [applyTransform(this.transform, this.image(i)), applyTransform(this.targetTransform, this.targets[i])];
  }

  /**
   * The whole dataset as two tensors, without transforms: images float32 [N, C, H, W] (pixels/255
   * by default) and labels int32 [N]. The fast path for the classic classifiers.
   * @example const { images, labels } = FashionMNIST({ builtin: true }).toTensors({ flatten: true });
   */
  toTensors(opts: ToTensorsOptions = {}): DatasetTensors {
    const { height: h, width: w, channels: c } = this;
    const n = this.length, per = h * w * c, plane = h * w;
    const k = opts.scale === false ? 1 : 1 / 255;
    const out = new Float32Array(n * per);
    const src = this.pixels;
    if (this.layout === "chw" || c === 1) {
      for (let i = 0; i < out.length; i++) out[i] = src[i] * k;
    } else {
      for (let i = 0; i < n; i++) {
        const b = i * per;
        for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[b + ch * plane + p] = src[b + p * c + ch] * k;
      }
    }
    const shape = opts.flatten ? [n, per] : [n, c, h, w];
    return { images: Tensor.fromData(out, shape), labels: Tensor.fromData(this.targets.slice(), [n]) };
  }
}
