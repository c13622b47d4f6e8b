// Transfer learning on Fashion-MNIST (CS231n lecture 9): pretrain the reference CNN on 8 classes,
// then learn the 2 held-out classes from only 100 training images each, three ways:
//   (a) frozen backbone, a new 2-way head trained alone ("very little, similar data"),
//   (b) fine-tuning more layers from (a), with smaller learning rates further down (param groups),
//   (c) the same architecture trained from scratch on the same 200 images.
// Each is scored on ALL test images of the two held-out classes.
//
//   npx tsx examples/transfer.ts [--data-dir DIR]   (default: the built-in 10k/2k subset)
//
// The held-out pair is T-shirt/top vs Shirt, the hardest pair of Fashion-MNIST: they differ in
// details (collars, buttons, sleeves), which 200 images barely show, so features learned on the
// other clothes (pullovers, coats, dresses) make the difference.

import { pathToFileURL } from "node:url";
import { models, optim, F, data, manualSeed, noGrad, tensor, Generator, type Tensor, type nn } from "../src/index.js";

/** Fashion-MNIST's class names, indexed by label. */
export const CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

export interface TransferConfig {
  /** Folder with the four Fashion-MNIST IDX files; default: the built-in subset. */
  dataDir?: string;
  /** The two held-out classes (default [0, 6]: T-shirt/top vs Shirt). */
  heldOut?: [number, number];
  /** Training images per held-out class for (a), (b), (c) (default 100). */
  perClass?: number;
  /** Pretraining: epochs over the 8-class training images (default 1), at most `pretrainLimit` images (default all). */
  pretrainEpochs?: number;
  pretrainLimit?: number;
  /** Epochs over the small set for (a), (b) and (c) (defaults 30, 30, 60). */
  headEpochs?: number;
  fineTuneEpochs?: number;
  scratchEpochs?: number;
  /** (a): the head's lr (Adam, default 1e-2). */
  headLr?: number;
  /** (b): lr per layer-name prefix; layers not named stay frozen (default head 1e-3, fc1 3e-4, conv2 1e-4). */
  fineTuneLrs?: { prefix: string; lr: number }[];
  /** (c): lr of the from-scratch run (Adam, default 1e-3). */
  scratchLr?: number;
  /** Score on at most this many test images of the held-out classes (default all). */
  testLimit?: number;
  seed?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /** Called after each stage with its model and optimizer (the test inspects them here). */
  onStage?: (stage: "pretrain" | "headOnly" | "fineTune" | "scratch", model: nn.Module, optimizer: optim.Optimizer) => void;
}

export interface TransferResult {
  classes: [string, string];
  /** Accuracy of the pretrained 8-class network on the test images of its 8 classes. */
  pretrainAccuracy: number;
  /** Test accuracy on the 2 held-out classes: (a) head only, (b) fine-tuned, (c) from scratch. */
  headOnly: number;
  fineTune: number;
  scratch: number;
  seconds: number;
}

type Split = { x: Tensor; y: Tensor };

// Fashion-MNIST's training-set mean and std: inputs are standardised as in `kestrel train`.
const MEAN = 0.2860, STD = 0.3530;

/**
 * The images of `keep` classes, relabelled 0..keep.length-1 in that order; at most `perClass`
 * images of each (a seeded random choice) and `limit` in all (a seeded random choice).
 */
export function selectClasses(images: Tensor, labels: Int32Array, keep: readonly number[], opts: { perClass?: number; limit?: number; generator?: Generator } = {}): Split {
  const g = opts.generator ?? new Generator(0);
  const byClass = keep.map(() => [] as number[]);
  labels.forEach((l, i) => { const k = keep.indexOf(l); if (k >= 0) byClass[k].push(i); });
  let picked: [number, number][] = [];
  byClass.forEach((idx, k) => {
    const take = opts.perClass === undefined ? idx : shuffled(idx, g).slice(0, opts.perClass);
    for (const i of take) picked.push([i, k]);
  });
  if (opts.limit !== undefined && opts.limit < picked.length) picked = shuffled(picked, g).slice(0, opts.limit);
  picked.sort((a, b) => a[0] - b[0]);
  const index = tensor(Int32Array.from(picked, ([i]) => i));
  return { x: images.indexSelect(0, index), y: tensor(Int32Array.from(picked, ([, k]) => k)) };
}

function shuffled<T>(xs: readonly T[], g: Generator): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) { const j = g.int(0, i + 1); [a[i], a[j]] = [a[j], a[i]]; }
  return a;
}

/** Yields to the event loop so finalizers can recycle the storage of collected tensors. */
const nextTask = () => new Promise<void>((r) => setImmediate(r));

/** `epochs` passes of minibatch training over `set` (reshuffled each epoch with `g`); returns the last epoch's mean loss. */
export async function fit(model: nn.Module, opt: optim.Optimizer, set: Split, epochs: number, batchSize: number, g: Generator): Promise<number> {
  const n = set.x.shape[0];
  let mean = NaN;
  for (let e = 0; e < epochs; e++) {
    const order = shuffled(Array.from({ length: n }, (_, i) => i), g);
    let sum = 0;
    for (let s = 0; s < n; s += batchSize) {
      const idx = tensor(Int32Array.from(order.slice(s, s + batchSize)));
      const loss = F.crossEntropy(model.forward(set.x.indexSelect(0, idx)), set.y.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sum += loss.item() * idx.shape[0];
      await nextTask();
    }
    mean = sum / n;
  }
  return mean;
}

/** Accuracy of `model` (in eval mode, no grad) on `set`, in batches. */
export function evaluate(model: nn.Module, set: Split, batchSize = 500): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  const n = set.x.shape[0];
  noGrad(() => {
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      const pred = model.forward(set.x.narrow(0, s, m)).argmax(1);
      correct += pred.eq(set.y.narrow(0, s, m)).sum().item();
    }
  });
  model.train(wasTraining);
  return correct / n;
}

/** Loads one split of Fashion-MNIST as standardised float32 [N, 1, 28, 28] images and labels. */
export function load(dataDir: string | undefined, train: boolean): { images: Tensor; labels: Int32Array } {
  const ds = dataDir === undefined ? data.datasets.FashionMNIST({ builtin: true, train }) : data.datasets.FashionMNIST({ root: dataDir, train });
  const { images } = ds.toTensors();
  return { images: images.sub(MEAN).div(STD), labels: ds.targets };
}

/** Runs the whole experiment; returns the accuracies. */
export async function main(config: TransferConfig = {}): Promise<TransferResult> {
  const t0 = Date.now();
  const log = config.log ?? ((s: string) => console.log(s));
  const seed = config.seed ?? 0;
  const heldOut = config.heldOut ?? [0, 6];
  if (heldOut.length !== 2 || heldOut[0] === heldOut[1] || !heldOut.every((c) => Number.isInteger(c) && c >= 0 && c < 10)) {
    throw new Error(`transfer: heldOut must be two different classes in 0..9, got ${JSON.stringify(heldOut)}`);
  }
  const base = Array.from({ length: 10 }, (_, c) => c).filter((c) => !heldOut.includes(c));
  const batchSize = 128;
  manualSeed(seed);
  const g = new Generator(seed);

  const train = load(config.dataDir, true), test = load(config.dataDir, false);
  const pre = selectClasses(train.images, train.labels, base, { limit: config.pretrainLimit, generator: g });
  const preTest = selectClasses(test.images, test.labels, base, { limit: config.testLimit, generator: g });
  const small = selectClasses(train.images, train.labels, heldOut, { perClass: config.perClass ?? 100, generator: g });
  const heldTest = selectClasses(test.images, test.labels, heldOut, { limit: config.testLimit, generator: g });
  const names: [string, string] = [CLASSES[heldOut[0]], CLASSES[heldOut[1]]];
  log(`held out: ${names[0]} vs ${names[1]}; pretraining on ${pre.x.shape[0]} images of the other 8 classes`);

  // 0. Pretrain the reference CNN on the 8 other classes.
  const net = models.simpleCnn({ numClasses: 8 });
  const preOpt = new optim.Adam(net.parameters(), { lr: 1e-3 });
  const preLoss = await fit(net, preOpt, pre, config.pretrainEpochs ?? 1, batchSize, g);
  const pretrainAccuracy = evaluate(net, preTest);
  log(`pretrained: loss ${preLoss.toFixed(3)}, 8-class test accuracy ${(100 * pretrainAccuracy).toFixed(1)}%`);
  config.onStage?.("pretrain", net, preOpt);
  preOpt.zeroGrad();                    // drop pretraining's last gradients (frozen params keep none)

  // (a) Very little, similar data: a linear classifier on the frozen 128-d features. The whole net
  // stays in eval mode so BatchNorm statistics do not move and dropout is off.
  models.freeze(net);
  models.replaceHead(net, 2);           // classifier.3: a fresh, trainable Linear(128, 2)
  net.eval();
  const headOpt = new optim.Adam(net.parameters().filter((p) => p.requiresGrad), { lr: config.headLr ?? 1e-2 });
  await fit(net, headOpt, small, config.headEpochs ?? 30, 100, g);
  const headOnly = evaluate(net, heldTest);
  log(`(a) head only:      ${(100 * headOnly).toFixed(1)}% on ${heldTest.x.shape[0]} test images`);
  config.onStage?.("headOnly", net, headOpt);

  // (b) Fine-tune more layers from (a): lower learning rates further from the head; the first
  // conv stays frozen. BatchNorm keeps its pretrained statistics (eval) — 200 images of 2 classes
  // would be a poor estimate of them.
  const lrs = config.fineTuneLrs ?? [{ prefix: "classifier.3", lr: 1e-3 }, { prefix: "classifier.0", lr: 3e-4 }, { prefix: "features.4", lr: 1e-4 }];
  models.unfreeze(net, lrs.map((r) => r.prefix));
  const ftOpt = new optim.Adam(models.paramGroupsByPrefix(net, lrs, { rest: false }), { lr: Math.min(...lrs.map((r) => r.lr)) });
  await fit(net, ftOpt, small, config.fineTuneEpochs ?? 30, 100, g);
  const fineTune = evaluate(net, heldTest);
  log(`(b) fine-tuned:     ${(100 * fineTune).toFixed(1)}%`);
  config.onStage?.("fineTune", net, ftOpt);

  // (c) The same architecture from scratch on the same 200 images (training mode: its BatchNorm
  // learns statistics, dropout regularises).
  const fresh = models.simpleCnn({ numClasses: 2 });
  const scratchOpt = new optim.Adam(fresh.parameters(), { lr: config.scratchLr ?? 1e-3 });
  await fit(fresh, scratchOpt, small, config.scratchEpochs ?? 60, 100, g);
  const scratch = evaluate(fresh, heldTest);
  log(`(c) from scratch:   ${(100 * scratch).toFixed(1)}%`);
  config.onStage?.("scratch", fresh, scratchOpt);

  const seconds = (Date.now() - t0) / 1000;
  log(`done in ${seconds.toFixed(0)} s`);
  return { classes: names, pretrainAccuracy, headOnly, fineTune, scratch, seconds };
}

// Run when executed directly (not when the test imports main).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--data-dir");
  if (i >= 0 && !process.argv[i + 1]) {
    console.error("transfer: --data-dir needs a folder");
    process.exit(2);
  }
  await main({ dataDir: i >= 0 ? process.argv[i + 1] : undefined });
}
