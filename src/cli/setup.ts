// What `kestrel train`, `doctor`, `search`, `eval` and `predict` share: the run configuration,
// and building the data, model, optimizer and learning-rate schedule from it. Every user mistake
// (unknown model or dataset, missing files) becomes a UsageError (one line, exit code 2).

import { existsSync, statSync } from "node:fs";
import { resolve, join, extname } from "node:path";
import { pathToFileURL } from "node:url";
import { nn, optim, data, setBackend, Generator, Tensor } from "../index.js";
import * as models from "../models/index.js";
import { UsageError, type OptionSpec } from "./args.js";

type Dataset = data.Dataset;
type Optimizer = optim.Optimizer<optim.BaseOptions>;

/** Everything that defines a run; saved as <run>/config.json and inside every checkpoint. */
export interface RunConfig {
  model: string;
  data: string;
  dataDir: string | null;
  epochs: number;
  batchSize: number;
  optimizer: string;
  lr: number;
  weightDecay: number;
  momentum: number;
  schedule: string;
  augment: string;
  seed: number;
  workers: number;
  backend: string | null;
  valSplit: number;
  /** Use at most this many training (and test) images (quick runs and tests). */
  limit: number | null;
  /** Dropout probability passed to the model (null: the model's default). */
  dropout: number | null;
  /** Side length images are resized to (folder datasets; null: the dataset's own size). */
  imageSize: number | null;
}

/** What the data gave: filled in by loadData and stored with the config for eval/predict. */
export interface DataInfo {
  classes: string[];
  channels: number;
  height: number;
  width: number;
  mean: number[];
  std: number[];
}

export const OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "adagrad"] as const;
export const SCHEDULES = ["none", "step", "cosine", "onecycle", "plateau"] as const;
export const DATASETS = ["fashion-mnist", "mnist", "cifar10", "cifar100"] as const;

/**
 * Defaults of `kestrel train`. Chosen so the bare command reaches ≥ 85% test accuracy on the
 * built-in Fashion-MNIST subset well within 3 minutes on 2 CPU cores: AdamW with a one-cycle
 * schedule (warm-up then cosine decay to ~0) converges in few epochs without tuning.
 */
export const DEFAULTS: RunConfig = {
  model: "simple_cnn", data: "fashion-mnist", dataDir: null, epochs: 4, batchSize: 128, optimizer: "adamw",
  lr: 3e-3, weightDecay: 1e-4, momentum: 0.9, schedule: "onecycle", augment: "none", seed: 0, workers: 0,
  backend: null, valSplit: 0.1, limit: null, dropout: null, imageSize: null,
};

/** Options shared by train, doctor and search (kebab-case names). */
export const RUN_OPTIONS: Record<string, OptionSpec> = {
  model: { type: "string", help: "zoo name (see kestrel summary --list) or a .js/.ts module exporting a model factory", default: DEFAULTS.model, meta: "NAME|FILE" },
  data: { type: "string", help: `${DATASETS.join(" | ")} | a folder of class folders`, default: DEFAULTS.data, meta: "NAME|DIR" },
  "data-dir": { type: "string", help: "where the dataset's files are (default for fashion-mnist: the built-in subset)", meta: "DIR" },
  epochs: { type: "int", min: 1, help: "epochs to train", default: String(DEFAULTS.epochs) },
  "batch-size": { type: "int", min: 1, help: "images per step", default: String(DEFAULTS.batchSize) },
  optimizer: { type: "string", choices: OPTIMIZERS, help: "optimizer", default: DEFAULTS.optimizer },
  lr: { type: "number", min: 0, exclusiveMin: true, help: "(peak) learning rate", default: String(DEFAULTS.lr) },
  "weight-decay": { type: "number", min: 0, help: "L2 regularisation strength", default: String(DEFAULTS.weightDecay) },
  momentum: { type: "number", min: 0, max: 1, help: "momentum (sgd, rmsprop)", default: String(DEFAULTS.momentum) },
  schedule: { type: "string", choices: SCHEDULES, help: "learning-rate schedule", default: DEFAULTS.schedule },
  augment: { type: "string", choices: ["none", "standard"], help: "standard: random crop with padding + horizontal flip", default: DEFAULTS.augment },
  seed: { type: "int", min: 0, help: "random seed (same seed, same run)", default: String(DEFAULTS.seed) },
  workers: { type: "int", min: 0, help: "data-loading worker threads", default: String(DEFAULTS.workers) },
  backend: { type: "string", choices: ["js", "wasm", "native"], help: "compute backend (default: the fastest available)" },
  "val-split": { type: "number", min: 0, max: 0.9, help: "fraction of the training images held out for validation", default: String(DEFAULTS.valSplit) },
  limit: { type: "int", min: 1, help: "use only this many training and test images (quick runs)" },
  dropout: { type: "number", min: 0, max: 1, help: "dropout probability (models that have dropout)" },
  "image-size": { type: "int", min: 4, help: "resize images to this side length (folder datasets; default 32)" },
};

/** The config: defaults, then `base` (e.g. a resumed run's), then what the command line gave. */
export function makeConfig(given: Record<string, unknown>, base: RunConfig = DEFAULTS): RunConfig {
  const cfg = { ...base } as Record<string, unknown>;
  for (const k of Object.keys(DEFAULTS)) if (given[k] !== undefined) cfg[k] = given[k];
  return cfg as unknown as RunConfig;
}

/** Switches the compute backend, as a usage error when it is not available here. */
export function applyBackend(name: string | null): void {
  if (!name) return;
  try { setBackend(name); } catch (e) { throw new UsageError(`--backend ${name}: ${firstLine(e)}`); }
}

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0];
}

// ---- data ----------------------------------------------------------------------------------------

const STATS: Record<string, { mean: number[]; std: number[] }> = {
  "fashion-mnist": { mean: [0.2860], std: [0.3530] },
  mnist: { mean: [0.1307], std: [0.3081] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
};

export interface LoadedData extends DataInfo {
  /** Training images (augmented when asked), validation split (plain) or null, test set (plain). */
  train: Dataset;
  val: Dataset | null;
  test: Dataset;
}

/** The image transform of a run: [augmentation], ToTensor, Normalize. */
export function makeTransform(info: DataInfo, opts: { augment: boolean; resize: boolean }): data.transforms.Transform {
  const T = data.transforms;
  const steps: data.transforms.Transform[] = [];
  if (opts.resize) steps.push(T.Resize([info.height, info.width]));
  if (opts.augment) {
    // Random crop with ~1/8 of the side as padding (4 px at 32, 3 at 28), then a horizontal flip.
    steps.push(T.RandomCrop([info.height, info.width], { padding: Math.max(1, Math.round(info.height / 8)) }));
    steps.push(T.RandomHorizontalFlip());
  }
  steps.push(T.ToTensor(), T.Normalize(info.mean, info.std));
  return T.Compose(steps);
}

function requireDir(cfg: RunConfig, name: string): string {
  if (!cfg.dataDir) throw new UsageError(`--data ${name} needs --data-dir DIR (get the files with: kestrel download ${name} --dir DIR)`);
  if (!existsSync(cfg.dataDir)) throw new UsageError(`--data-dir ${cfg.dataDir}: no such folder (get the files with: kestrel download ${name} --dir ${cfg.dataDir})`);
  return cfg.dataDir;
}

/** Builds one split of a named dataset with a transform (wrapping load errors as usage errors). */
function namedSplit(cfg: RunConfig, train: boolean, transform: data.transforms.Transform | undefined): data.datasets.ImageArrayDataset {
  const D = data.datasets;
  try {
    switch (cfg.data) {
      case "fashion-mnist":
        return cfg.dataDir ? D.FashionMNIST({ root: requireDir(cfg, "fashion-mnist"), train, transform }) : D.FashionMNIST({ builtin: true, train, transform });
      case "mnist": return D.MNIST({ root: requireDir(cfg, "mnist"), train, transform });
      case "cifar10": return D.CIFAR10({ root: requireDir(cfg, "cifar10"), train, transform });
      case "cifar100": return D.CIFAR100({ root: requireDir(cfg, "cifar100"), train, transform });
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--data ${cfg.data}: ${firstLine(e)}`);
  }
  throw new UsageError(`--data: unknown dataset ${JSON.stringify(cfg.data)}; expected ${DATASETS.join(", ")} or a folder`);
}

/** A folder dataset: <dir>/train and <dir>/test (or val) of class folders, or one folder split 80/20. */
function folderSplits(dir: string): { trainDir: string; testDir: string | null } {
  const sub = (n: string): string | null => (existsSync(join(dir, n)) && statSync(join(dir, n)).isDirectory() ? join(dir, n) : null);
  const trainDir = sub("train");
  if (trainDir) return { trainDir, testDir: sub("test") ?? sub("val") };
  return { trainDir: dir, testDir: null };
}

/** A deterministic subset of at most n items (a seeded permutation, so classes stay mixed). */
function limitTo<T>(ds: data.Dataset<T>, n: number | null, seed: number): data.Dataset<T> {
  if (n === null || ds.length <= n) return ds;
  return data.randomSplit(ds, [n, ds.length - n], new Generator(seed + 7))[0];
}

/** Loads the run's data: train (augmented if asked), validation split, test; fills in DataInfo. */
export function loadData(cfg: RunConfig, opts: { augment?: boolean } = {}): LoadedData {
  const augment = opts.augment ?? cfg.augment === "standard";
  let info: DataInfo, trainRaw: Dataset, trainPlain: Dataset, test: Dataset;
  if ((DATASETS as readonly string[]).includes(cfg.data)) {
    const probe = namedSplit(cfg, false, undefined);
    info = { classes: probe.classes.slice(), channels: probe.channels, height: probe.height, width: probe.width, ...STATS[cfg.data] };
    test = namedSplit(cfg, false, makeTransform(info, { augment: false, resize: false }));
    trainPlain = namedSplit(cfg, true, makeTransform(info, { augment: false, resize: false }));
    trainRaw = augment ? namedSplit(cfg, true, makeTransform(info, { augment: true, resize: false })) : trainPlain;
  } else {
    if (!existsSync(cfg.data) || !statSync(cfg.data).isDirectory()) {
      throw new UsageError(`--data: ${JSON.stringify(cfg.data)} is neither a dataset name (${DATASETS.join(", ")}) nor a folder`);
    }
    ({ info, trainRaw, trainPlain, test } = loadFolder(cfg, augment));
  }
  trainRaw = limitTo(trainRaw, cfg.limit, cfg.seed);
  trainPlain = limitTo(trainPlain, cfg.limit, cfg.seed);
  test = limitTo(test, cfg.limit, cfg.seed + 1);
  let train = trainRaw, val: Dataset | null = null;
  if (cfg.valSplit > 0) {
    const n = trainRaw.length, nVal = Math.max(1, Math.round(n * cfg.valSplit));
    if (n - nVal < 1) throw new UsageError(`--val-split ${cfg.valSplit} leaves no training images (${n} in all)`);
    // The same seeded permutation splits the augmented and the plain copy: validation is unaugmented.
    train = data.randomSplit(trainRaw, [n - nVal, nVal], new Generator(cfg.seed + 11))[0];
    val = data.randomSplit(trainPlain, [n - nVal, nVal], new Generator(cfg.seed + 11))[1];
  }
  return { ...info, train, val, test };
}

function loadFolder(cfg: RunConfig, augment: boolean): { info: DataInfo; trainRaw: Dataset; trainPlain: Dataset; test: Dataset } {
  const { trainDir, testDir } = folderSplits(cfg.data);
  const side = cfg.imageSize ?? 32;
  const mk = (root: string, transform?: data.transforms.Transform): data.datasets.ImageFolder => {
    try { return data.datasets.ImageFolder({ root, transform }); } catch (e) { throw new UsageError(`--data ${cfg.data}: ${firstLine(e)}`); }
  };
  const probe = mk(trainDir);
  if (probe.length === 0) throw new UsageError(`--data ${cfg.data}: no images found (expected <class>/<image>.png|jpg folders)`);
  // ImageFolder decodes to RGB. Normalisation statistics from (up to) 200 evenly spaced images.
  const channels = 3;
  const idx = Array.from({ length: Math.min(200, probe.length) }, (_, i) => Math.floor((i * probe.length) / Math.min(200, probe.length)));
  const sums = new Float64Array(channels), sq = new Float64Array(channels);
  let count = 0;
  for (const i of idx) {
    const img = (probe.get(i) as [data.Image, number])[0];
    for (let p = 0; p < img.height * img.width; p++) {
      for (let c = 0; c < channels; c++) { const v = img.data[p * img.channels + Math.min(c, img.channels - 1)] / 255; sums[c] += v; sq[c] += v * v; }
    }
    count += img.height * img.width;
  }
  const mean = Array.from(sums, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.max(1e-3, Math.sqrt(Math.max(0, s / count - mean[c] ** 2))));
  const info: DataInfo = { classes: probe.classes.slice(), channels, height: side, width: side, mean, std };
  const plain = makeTransform(info, { augment: false, resize: true });
  const trainPlain = mk(trainDir, plain);
  const trainRaw = augment ? mk(trainDir, makeTransform(info, { augment: true, resize: true })) : trainPlain;
  if (testDir) return { info, trainRaw, trainPlain, test: mk(testDir, plain) };
  // One folder: a fixed 80/20 split (seeded) into train and test.
  const n = trainPlain.length, nTest = Math.max(1, Math.round(n * 0.2));
  const g = (): Generator => new Generator(cfg.seed + 5);
  return {
    info,
    trainRaw: data.randomSplit(trainRaw, [n - nTest, nTest], g())[0],
    trainPlain: data.randomSplit(trainPlain, [n - nTest, nTest], g())[0],
    test: data.randomSplit(trainPlain, [n - nTest, nTest], g())[1],
  };
}

/**
 * The test set of a finished run, normalised with the run's stored statistics (eval, predict):
 * loads nothing else. A single-folder dataset gives back the same 20% test split as training.
 */
export function loadTestSet(cfg: RunConfig, info: DataInfo): Dataset {
  let test: Dataset;
  if ((DATASETS as readonly string[]).includes(cfg.data)) {
    test = namedSplit(cfg, false, makeTransform(info, { augment: false, resize: false }));
  } else {
    if (!existsSync(cfg.data) || !statSync(cfg.data).isDirectory()) throw new UsageError(`--data: the run's folder ${JSON.stringify(cfg.data)} is gone (pass --data DIR)`);
    const { trainDir, testDir } = folderSplits(cfg.data);
    const mk = (root: string): Dataset => {
      try { return data.datasets.ImageFolder({ root, transform: makeTransform(info, { augment: false, resize: true }) }); } catch (e) { throw new UsageError(`--data ${cfg.data}: ${firstLine(e)}`); }
    };
    if (testDir) test = mk(testDir);
    else {
      const all = mk(trainDir), n = all.length, nTest = Math.max(1, Math.round(n * 0.2));
      test = data.randomSplit(all, [n - nTest, nTest], new Generator(cfg.seed + 5))[1];
    }
  }
  return limitTo(test, cfg.limit, cfg.seed + 1);
}

// ---- model, optimizer, schedule ------------------------------------------------------------------

/** A model from the zoo (by name) or from a module file exporting a factory or a Module. */
export async function buildModel(cfg: RunConfig, info: DataInfo): Promise<nn.Module> {
  const opts: Record<string, unknown> = { inChannels: info.channels, numClasses: info.classes.length };
  if (info.height === info.width) opts.inputSize = info.height;
  if (cfg.dropout !== null) opts.dropout = cfg.dropout;
  const isFile = /[\\/]/.test(cfg.model) || [".js", ".mjs", ".ts", ".mts"].includes(extname(cfg.model));
  let model: unknown;
  if (isFile) {
    const path = resolve(cfg.model);
    if (!existsSync(path)) throw new UsageError(`--model ${cfg.model}: no such file`);
    let mod: Record<string, unknown>;
    try { mod = await import(pathToFileURL(path).href) as Record<string, unknown>; } catch (e) { throw new UsageError(`--model ${cfg.model}: could not load it: ${firstLine(e)}`); }
    const f = mod.default ?? mod.createModel ?? mod.model;
    if (f === undefined) throw new UsageError(`--model ${cfg.model}: the module should export a model factory as default (or createModel): (options) => nn.Module`);
    try { model = typeof f === "function" && !(f.prototype instanceof nn.Module) ? (f as (o: unknown) => unknown)(opts) : typeof f === "function" ? new (f as new (o: unknown) => unknown)(opts) : f; } catch (e) { throw new UsageError(`--model ${cfg.model}: its factory failed: ${firstLine(e)}`); }
    if (model instanceof Promise) model = await model;
  } else {
    if (!models.list().includes(cfg.model.toLowerCase().replace(/-/g, "_"))) {
      throw new UsageError(`--model: unknown model ${JSON.stringify(cfg.model)}; available: ${models.list().join(", ")} (or a path to a .js/.ts file)`);
    }
    try { model = models.create(cfg.model, opts); } catch (e) { throw new UsageError(`--model ${cfg.model}: ${firstLine(e)}`); }
  }
  if (!(model instanceof nn.Module)) throw new UsageError(`--model ${cfg.model}: the factory did not return an nn.Module`);
  return model;
}

/** The optimizer a run asks for. */
export function buildOptimizer(cfg: Pick<RunConfig, "optimizer" | "lr" | "weightDecay" | "momentum">, params: Tensor[]): Optimizer {
  const { lr, weightDecay, momentum } = cfg;
  switch (cfg.optimizer) {
    case "sgd": return new optim.SGD(params, { lr, momentum, nesterov: momentum > 0, weightDecay }) as unknown as Optimizer;
    case "adam": return new optim.Adam(params, { lr, weightDecay }) as unknown as Optimizer;
    case "adamw": return new optim.AdamW(params, { lr, weightDecay }) as unknown as Optimizer;
    case "rmsprop": return new optim.RMSprop(params, { lr, weightDecay, momentum }) as unknown as Optimizer;
    case "adagrad": return new optim.Adagrad(params, { lr, weightDecay }) as unknown as Optimizer;
  }
  throw new UsageError(`--optimizer: expected ${OPTIMIZERS.join(", ")}, got ${JSON.stringify(cfg.optimizer)}`);
}

export interface Schedule {
  scheduler?: optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;
  interval: "epoch" | "step";
}

/**
 * The learning-rate schedule: step (÷10 at 50% and 75% of the epochs), cosine (to 0 over the
 * run, per step), onecycle (warm-up over 30% then cosine annealing, per step), plateau (÷10 when
 * the validation loss has not improved for 2 epochs).
 */
export function buildSchedule(cfg: RunConfig, opt: Optimizer, stepsPerEpoch: number): Schedule {
  const S = optim.lrScheduler;
  const total = Math.max(1, cfg.epochs * stepsPerEpoch);
  switch (cfg.schedule) {
    case "none": return { interval: "epoch" };
    case "step": {
      const ms = [...new Set([Math.floor(cfg.epochs * 0.5), Math.floor(cfg.epochs * 0.75)].filter((m) => m > 0))];
      return { scheduler: new S.MultiStepLR(opt, { milestones: ms.length ? ms : [cfg.epochs], gamma: 0.1 }), interval: "epoch" };
    }
    case "cosine": return { scheduler: new S.CosineAnnealingLR(opt, { TMax: total }), interval: "step" };
    case "onecycle": return { scheduler: new S.OneCycleLR(opt, { maxLr: cfg.lr, totalSteps: total, cycleMomentum: cfg.optimizer !== "adagrad" }), interval: "step" };
    case "plateau": return { scheduler: new S.ReduceLROnPlateau(opt, { factor: 0.1, patience: 2 }), interval: "epoch" };
  }
  throw new UsageError(`--schedule: expected ${SCHEDULES.join(", ")}, got ${JSON.stringify(cfg.schedule)}`);
}

/** Loaders for a run (the train loader shuffles with the run's seed). */
export function makeLoaders(cfg: RunConfig, d: LoadedData): { train: data.DataLoader; val: data.DataLoader | null; test: data.DataLoader } {
  const evalBs = Math.max(cfg.batchSize, 256);
  return {
    train: new data.DataLoader(d.train, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed, numWorkers: cfg.workers }),
    val: d.val ? new data.DataLoader(d.val, { batchSize: evalBs }) : null,
    test: new data.DataLoader(d.test, { batchSize: evalBs }),
  };
}
