// Shared plumbing of the zoo: the common options every constructor takes, argument checks, and
// loading weights after construction.

import { Module } from "../nn/module.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { BatchNorm2d } from "../nn/norm.js";
import * as init from "../nn/init.js";
import { loadSafetensors } from "../io/safetensors_file.js";
import type { Tensor } from "../tensor/tensor.js";

/** Options every zoo constructor accepts. */
export interface ModelOptions {
  /** Output classes (default 1000 for ImageNet models, 10 for CIFAR/MNIST-sized ones). */
  numClasses?: number;
  /** Input channels (default 3; 1 for Fashion-MNIST). */
  inChannels?: number;
  /**
   * A safetensors file (path) or a state dict to load with strict: true after construction, e.g.
   * a torchvision checkpoint exported with the snippet in src/models/TRANSFER.md.
   */
  weights?: string | Record<string, Tensor> | null;
}

export function intOption(model: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new Error(`${model}: ${name} must be an integer ≥ ${min}, got ${typeof v === "number" ? v : JSON.stringify(v)}`);
  }
  return v;
}

export function probOption(model: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`${model}: ${name} must be a probability in [0, 1], got ${v}`);
  return v;
}

let skipping = 0;

/** Whether a skipInit() call is in progress (the families then skip their init loops). */
export function initSkipped(): boolean {
  return skipping > 0;
}

/**
 * Build a model without drawing initial weights (like torch.nn.utils.skip_init): parameters are
 * allocated (zero) but Linear/Conv2d default inits and each family's init are skipped. Use it
 * when weights will be loaded anyway (the zoo does this for `weights`), or to count parameters
 * of a large model quickly: `models.skipInit(() => models.vgg16()).numParameters()`.
 */
export function skipInit<T>(build: () => T): T {
  const protos = [Linear.prototype, Object.getPrototypeOf(Conv2d.prototype)] as { resetParameters(): void }[];
  const saved = protos.map((p) => Object.getOwnPropertyDescriptor(p, "resetParameters"));
  skipping++;
  if (skipping === 1) for (const p of protos) Object.defineProperty(p, "resetParameters", { value: () => {}, configurable: true, writable: true });
  try {
    return build();
  } finally {
    skipping--;
    if (skipping === 0) protos.forEach((p, i) => Object.defineProperty(p, "resetParameters", saved[i]!));
  }
}

/** Load a state dict from a safetensors path or an object, strictly. */
export function loadWeights(model: Module, weights: string | Record<string, Tensor>): void {
  const sd = typeof weights === "string" ? loadSafetensors(weights) : weights;
  model.loadStateDict(sd, { strict: true });
}

/**
 * Construct a model (without random init when weights are given) and load `options.weights`
 * (strict: every key must match, no extra keys) if any.
 */
export function buildModel<M extends Module>(build: () => M, options: ModelOptions): M {
  const w = options.weights;
  if (w === undefined || w === null) return build();
  const model = skipInit(build);
  loadWeights(model, w);
  return model;
}

/** torchvision's ResNet/VGG conv init: kaiming_normal_(mode="fan_out", nonlinearity="relu"). */
export function kaimingFanOut(m: Conv2d): void {
  init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
  if (m.bias) init.zeros_(m.bias);
}

/** BN weight 1, bias 0 (PyTorch's default too, restated because torchvision does). */
export function bnOnesZeros(m: BatchNorm2d): void {
  if (m.weight) init.ones_(m.weight);
  if (m.bias) init.zeros_(m.bias);
}

export { Conv2d, Linear, BatchNorm2d };

/**
 * Whether to use a small-input stem: explicit `smallInput`, else inputSize < 64 (Fashion-MNIST
 * 28×28, CIFAR 32×32). ImageNet stems (7×7/2 conv + 3×3/2 pool) throw away too much of a 32×32
 * image; small stems keep parameter names and only change shapes.
 */
export function useSmallInput(o: { inputSize?: number; smallInput?: boolean }): boolean {
  if (o.smallInput !== undefined) return o.smallInput;
  return o.inputSize !== undefined && o.inputSize < 64;
}

/** Options of the ImageNet families that can adapt to small inputs. */
export interface ImageModelOptions extends ModelOptions {
  /** Input height = width; below 64 a small-input stem is used (see each family). */
  inputSize?: number;
  /** Force (true) or forbid (false) the small-input stem regardless of inputSize. */
  smallInput?: boolean;
}
