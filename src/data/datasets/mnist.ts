// MNIST and Fashion-MNIST from their IDX files (gzip or raw), and the built-in Fashion-MNIST
// subset shipped in the package (data/fashion-mnist-subset: 10,000 train + 2,000 test images).

import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseIdx } from "../formats/idx.js";
import { readDataFile, toShared } from "../formats/bytes.js";
import { ImageArrayDataset, type VisionOptions } from "./base.js";
import { callableClass } from "./callable.js";

export interface MnistOptions extends VisionOptions {
  /** Folder holding the four IDX files (or torchvision's `<root>/<Name>/raw` layout). */
  root?: string;
  /** Training split (default true) or test split. */
  train?: boolean;
}

export interface FashionMnistOptions extends MnistOptions {
  /** Load the subset shipped with Kestrel (no files needed; `root` must then be omitted). */
  builtin?: boolean;
}

/** The built-in subset's folder, found relative to this module (works from src/ and dist/). */
export const BUILTIN_FASHION_MNIST_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "data", "fashion-mnist-subset");

/** Finds `<stem>` or `<stem>.gz` under root or root/<folder>/raw; errors list every place tried. */
function locate(op: string, root: string, folder: string, stem: string): string {
  const tried: string[] = [];
  for (const dir of [root, join(root, folder, "raw")]) {
    for (const name of [stem + ".gz", stem]) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
      tried.push(p);
    }
  }
  throw new Error(`${op}: dataset file not found; looked for ${tried.join(", ")} (run \`kestrel download\` or pass the right root)`);
}

/** Reads an IDX images file and its labels file into an in-memory dataset. */
export function loadIdxPair(imagesFile: string, labelsFile: string, numClasses: number):
  { pixels: Uint8Array; targets: Int32Array; height: number; width: number } {
  const img = parseIdx(readDataFile(imagesFile), imagesFile, 3);
  const lab = parseIdx(readDataFile(labelsFile), labelsFile, 1);
  const [n, height, width] = img.shape;
  if (lab.shape[0] !== n) {
    throw new Error(`${labelsFile}: label count mismatch at byte 4: expected ${n} labels (the item count of ${imagesFile}), got ${lab.shape[0]}`);
  }
  const targets = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = lab.data[i];
    if (y >= numClasses) {
      throw new Error(`${labelsFile}: bad label at byte ${8 + i} (item ${i}): expected a class index in 0..${numClasses - 1}, got ${y}`);
    }
    targets[i] = y;
  }
  return { pixels: toShared(img.data), targets, height, width };
}

const MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];
const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** Shared body of MNIST-style datasets (torchvision.datasets.MNIST and its relatives). */
export class MnistLikeDataset extends ImageArrayDataset {
  readonly train: boolean;
  readonly root: string;
  constructor(op: string, folder: string, classes: string[], opts: FashionMnistOptions) {
    const train = opts.train ?? true;
    let root: string;
    if (opts.builtin) {
      if (opts.root !== undefined) throw new Error(`${op}: pass either { builtin: true } or { root }, not both`);
      root = BUILTIN_FASHION_MNIST_DIR;
    } else {
      if (typeof opts.root !== "string") {
        throw new Error(`${op}: expected { root: "<folder with the IDX files>" }` + (op === "FashionMNIST" ? " or { builtin: true }" : "") + `, got root = ${String(opts.root)}`);
      }
      root = opts.root;
    }
    const prefix = train ? "train" : "t10k";
    const imagesFile = locate(op, root, folder, `${prefix}-images-idx3-ubyte`);
    const labelsFile = locate(op, root, folder, `${prefix}-labels-idx1-ubyte`);
    const { pixels, targets, height, width } = loadIdxPair(imagesFile, labelsFile, classes.length);
    super({ pixels, layout: "hwc", height, width, channels: 1, targets, classes: classes.slice(), transform: opts.transform, targetTransform: opts.targetTransform });
    this.train = train;
    this.root = root;
  }
}

class MNISTDataset extends MnistLikeDataset {
  constructor(opts: MnistOptions) {
    if ((opts as FashionMnistOptions).builtin) throw new Error("MNIST: there is no built-in MNIST; use FashionMNIST({ builtin: true }) or pass { root }");
    super("MNIST", "MNIST", MNIST_CLASSES, opts ?? {});
  }
}

class FashionMNISTDataset extends MnistLikeDataset {
  constructor(opts: FashionMnistOptions) {
    super("FashionMNIST", "FashionMNIST", FASHION_CLASSES, opts ?? {});
  }
}

/**
 * MNIST handwritten digits (torchvision.datasets.MNIST): 28×28 gray images, labels 0..9.
 * `get(i)` returns `[transform(image), targetTransform(label)]`.
 * @example const ds = data.datasets.MNIST({ root: "data/mnist", train: false, transform: T.ToTensor() });
 */
export const MNIST = callableClass(MNISTDataset);
export type MNIST = MNISTDataset;

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 28×28 gray images of 10 clothing classes.
 * `{ builtin: true }` loads the stratified subset shipped in the package (10,000 train /
 * 2,000 test images), so examples work offline on a fresh clone.
 * @example const ds = data.datasets.FashionMNIST({ builtin: true, train: true });
 */
export const FashionMNIST = callableClass(FashionMNISTDataset);
export type FashionMNIST = FashionMNISTDataset;
