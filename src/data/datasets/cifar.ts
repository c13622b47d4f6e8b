// CIFAR-10 and CIFAR-100 from the official binary batches
// (cifar-10-batches-bin/data_batch_1..5.bin, test_batch.bin; cifar-100-binary/train.bin, test.bin).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCifar, CIFAR_PIXELS } from "../formats/cifar.js";
import { readDataFile } from "../formats/bytes.js";
import { ImageArrayDataset, type VisionOptions } from "./base.js";
import { callableClass } from "./callable.js";

export interface CifarOptions extends VisionOptions {
  /** Folder holding the .bin files, or their parent (with cifar-10-batches-bin / cifar-100-binary inside). */
  root: string;
  /** Training split (default true) or test split. */
  train?: boolean;
}

export interface Cifar100Options extends CifarOptions {
  /** Which label to return: the 100 "fine" classes (default) or the 20 "coarse" superclasses. */
  labelType?: "fine" | "coarse";
}

const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/** Reads and concatenates batch files into one shared pixel buffer (CHW per image). */
function loadBatches(op: string, root: string, folder: string, files: string[], labelBytes: 1 | 2, numClasses: number[]) {
  if (typeof root !== "string") throw new Error(`${op}: expected { root: "<folder with the .bin files>" }, got root = ${String(root)}`);
  const dir = existsSync(join(root, folder)) ? join(root, folder) : root;
  const parts = files.map((f) => parseCifar(readDataFile(join(dir, f)), join(dir, f), labelBytes, numClasses));
  const count = parts.reduce((s, p) => s + p.count, 0);
  const pixels = new Uint8Array(typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(count * CIFAR_PIXELS) : new ArrayBuffer(count * CIFAR_PIXELS));
  const labels = Array.from({ length: labelBytes }, () => new Int32Array(count));
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * CIFAR_PIXELS);
    p.labels.forEach((l, k) => labels[k].set(l, at));
    at += p.count;
  }
  return { pixels, labels, dir };
}

/** Class names from the archive's *_label_names.txt (one per line); numbered names when it is absent. */
function labelNames(file: string, n: number): string[] {
  if (existsSync(file)) {
    const names = readFileSync(file, "utf8").split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length === n) return names;
  }
  return Array.from({ length: n }, (_, i) => String(i));
}

class CIFAR10Dataset extends ImageArrayDataset {
  readonly train: boolean;
  readonly root: string;
  constructor(opts: CifarOptions) {
    const train = opts?.train ?? true;
    const files = train ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ["test_batch.bin"];
    const { pixels, labels } = loadBatches("CIFAR10", opts?.root, "cifar-10-batches-bin", files, 1, [10]);
    super({ pixels, layout: "chw", height: 32, width: 32, channels: 3, targets: labels[0], classes: CIFAR10_CLASSES.slice(), transform: opts.transform, targetTransform: opts.targetTransform });
    this.train = train;
    this.root = opts.root;
  }
}

class CIFAR100Dataset extends ImageArrayDataset {
  readonly train: boolean;
  readonly root: string;
  readonly labelType: "fine" | "coarse";
  /** The 20 superclass labels (always available, whatever `labelType` is). */
  readonly coarseTargets: Int32Array;
  /** The 100 class labels. */
  readonly fineTargets: Int32Array;
  constructor(opts: Cifar100Options) {
    const train = opts?.train ?? true;
    const labelType = opts?.labelType ?? "fine";
    if (labelType !== "fine" && labelType !== "coarse") throw new Error(`CIFAR100: labelType must be "fine" or "coarse", got ${JSON.stringify(labelType)}`);
    const { pixels, labels, dir } = loadBatches("CIFAR100", opts?.root, "cifar-100-binary", [train ? "train.bin" : "test.bin"], 2, [20, 100]);
    const n = labelType === "fine" ? 100 : 20;
    super({ pixels, layout: "chw", height: 32, width: 32, channels: 3, targets: labelType === "fine" ? labels[1] : labels[0],
      classes: labelNames(join(dir, `${labelType}_label_names.txt`), n), transform: opts.transform, targetTransform: opts.targetTransform });
    this.train = train;
    this.root = opts.root;
    this.labelType = labelType;
    this.coarseTargets = labels[0];
    this.fineTargets = labels[1];
  }
}

/**
 * CIFAR-10 (binary version): 32×32 RGB images, 10 classes; 50,000 train images in
 * data_batch_1..5.bin, 10,000 test images in test_batch.bin.
 * @example const ds = data.datasets.CIFAR10({ root: "data", train: true, transform: T.ToTensor() });
 */
export const CIFAR10 = callableClass(CIFAR10Dataset);
export type CIFAR10 = CIFAR10Dataset;

/**
 * CIFAR-100 (binary version): train.bin / test.bin, each record with a coarse (20) and a fine
 * (100) label; `labelType` picks which one `get` returns.
 */
export const CIFAR100 = callableClass(CIFAR100Dataset);
export type CIFAR100 = CIFAR100Dataset;
