// ImageFolder (torchvision.datasets.ImageFolder): root/<class>/**/<file>.png|jpg|jpeg, classes
// sorted by name, samples sorted the way torchvision walks the folders, images decoded lazily.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, extname } from "node:path";
import type { Dataset } from "../dataset.js";
import { checkIndex } from "../dataset.js";
import type { Image } from "../image.js";
import { decodeImage, type ImageDecoder } from "../formats/decode.js";
import { applyTransform, type VisionOptions, type DatasetTensors, type ToTensorsOptions } from "./base.js";
import { Tensor } from "../../tensor/tensor.js";
import { callableClass } from "./callable.js";

export interface ImageFolderOptions extends VisionOptions {
  root: string;
  /** Bytes → Image. Default: pngjs / jpeg-js, RGB output. A browser passes its own (may be async). */
  decode?: ImageDecoder;
  /** Path → Image, replacing read + decode entirely (torchvision's `loader`); may be async. */
  loader?: (path: string) => Image | Promise<Image>;
  /** Accepted file extensions, lower case with the dot (default [".png", ".jpg", ".jpeg"]). */
  extensions?: string[];
}

/** Python's sorted() on strings: by code point (JS's default sort compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const A = Array.from(a), B = Array.from(b);
  for (let i = 0; i < Math.min(A.length, B.length); i++) {
    const d = A[i].codePointAt(0)! - B[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return A.length - B.length;
}

/** Every folder under `dir` (itself included), then sorted by path like sorted(os.walk(dir)). */
function walk(dir: string): { path: string; files: string[] }[] {
  const out: { path: string; files: string[] }[] = [];
  const visit = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true });
    const files: string[] = [];
    for (const e of entries) {
      const p = join(d, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(p).isDirectory());
      if (isDir) visit(p); else files.push(e.name);
    }
    out.push({ path: d, files: files.sort(byCodePoint) });
  };
  visit(dir);
  return out.sort((a, b) => byCodePoint(a.path, b.path));
}

class ImageFolderDataset implements Dataset<[unknown, unknown]> {
  readonly root: string;
  /** Class names: the sub-folder names, sorted. */
  readonly classes: string[];
  /** `{ className: index }` (torchvision's `class_to_idx`). */
  readonly classToIdx: Record<string, number>;
  /** `[path, classIndex]` for every image, in torchvision's order. */
  readonly samples: [string, number][];
  /** The class index of each sample. */
  readonly targets: Int32Array;
  readonly extensions: string[];
  transform: VisionOptions["transform"];
  targetTransform: VisionOptions["targetTransform"];
  decode: ImageDecoder;
  loader: ImageFolderOptions["loader"];

  constructor(opts: ImageFolderOptions) {
    if (typeof opts?.root !== "string") throw new Error(`ImageFolder: expected { root: "<folder with one sub-folder per class>" }, got root = ${String(opts?.root)}`);
    this.root = opts.root;
    this.extensions = (opts.extensions ?? [".png", ".jpg", ".jpeg"]).map((e) => e.toLowerCase());
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.decode = opts.decode ?? decodeImage;
    this.loader = opts.loader;
    let entries;
    try {
      entries = readdirSync(this.root, { withFileTypes: true });
    } catch (e) {
      throw new Error(`ImageFolder: cannot read the folder ${this.root}: ${(e as Error).message}`);
    }
    this.classes = entries.filter((e) => e.isDirectory() || (e.isSymbolicLink() && statSync(join(this.root, e.name)).isDirectory()))
      .map((e) => e.name).sort(byCodePoint);
    if (this.classes.length === 0) throw new Error(`ImageFolder: couldn't find any class folder in ${this.root}; expected root/<class>/<image files>`);
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    for (const [ci, c] of this.classes.entries()) {
      const before = this.samples.length;
      for (const { path, files } of walk(join(this.root, c))) {
        for (const f of files) if (this.extensions.includes(extname(f).toLowerCase())) this.samples.push([join(path, f), ci]);
      }
      if (this.samples.length === before) {
        throw new Error(`ImageFolder: found no valid file for the class ${c} (folder ${join(this.root, c)}); supported extensions are: ${this.extensions.join(", ")}`);
      }
    }
    this.targets = Int32Array.from(this.samples, (s) => s[1]);
  }

  get length(): number { return this.samples.length; }

  /** Reads and decodes image i (a Promise when the decoder or loader is async). */
  image(index: number): Image | Promise<Image> {
    const [path] = this.samples[checkIndex("ImageFolder.image", index, this.length)];
    if (this.loader) return this.loader(path);
    return this.decode(readFileSync(path), path);
  }

  /** `[transform(image), targetTransform(classIndex)]`; a Promise when decoding is async. */
  get(index: number): [unknown, unknown] | Promise<[unknown, unknown]> {
    const i = checkIndex("ImageFolder.get", index, this.length);
    const img = this.image(i);
    const finish = (im: Image): [unknown, unknown] => [applyTransform(this.transform, im), applyTransform(this.targetTransform, this.samples[i][1])];
    return img instanceof Promise ? img.then(finish) : finish(img);
  }

  /**
   * Decodes every image (synchronous decoders only) into float32 [N, C, H, W] (pixels/255 unless
   * `scale: false`) and int32 labels. All images must have the same size.
   */
  toTensors(opts: ToTensorsOptions = {}): DatasetTensors {
    const n = this.length;
    if (n === 0) throw new Error("ImageFolder.toTensors: the dataset is empty");
    let out: Float32Array | null = null;
    let first: Image | null = null;
    const k = opts.scale === false ? 1 : 1 / 255;
    for (let i = 0; i < n; i++) {
      const img = this.image(i);
      if (img instanceof Promise) throw new Error("ImageFolder.toTensors: the decoder is async; iterate with a DataLoader instead");
      if (!first) { first = img; out = new Float32Array(n * img.data.length); }
      if (img.height !== first.height || img.width !== first.width || img.channels !== first.channels) {
        throw new Error(`ImageFolder.toTensors: ${this.samples[i][0]} is ${img.height}×${img.width}×${img.channels} but the first image is ` +
          `${first.height}×${first.width}×${first.channels}; resize them (a transform) and use a DataLoader`);
      }
      const { height: h, width: w, channels: c } = img;
      const base = i * h * w * c, plane = h * w;
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out![base + ch * plane + p] = img.data[p * c + ch] * k;
    }
    const { height: h, width: w, channels: c } = first!;
    return {
      images: Tensor.fromData(out!, opts.flatten ? [n, c * h * w] : [n, c, h, w]),
      labels: Tensor.fromData(this.targets.slice(), [n]),
    };
  }
}

/**
 * Images in class folders: root/<class>/.../<name>.png|jpg|jpeg. Classes are the sub-folders
 * sorted by name (label = position); images are decoded when fetched, RGB by default.
 * @example const ds = data.datasets.ImageFolder({ root: "photos", transform: T.Compose([T.Resize(64), T.ToTensor()]) });
 */
export const ImageFolder = callableClass(ImageFolderDataset);
export type ImageFolder = ImageFolderDataset;
