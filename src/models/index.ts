// The model zoo (`models` namespace): every architecture of lecture 9 by torchvision's name, with
// torchvision's state-dict keys, plus a registry for the CLI (`models.create("resnet20", {...})`),
// weight loading (`models.resnet18({ weights: "resnet18.safetensors" })`), transfer-learning
// helpers and a per-layer summary. See TRANSFER.md for exporting torchvision weights.

import type { Module } from "../nn/module.js";
import type { ModelOptions } from "./util.js";
import { simpleCnn } from "./simple_cnn.js";
import { lenet5 } from "./lenet.js";
import { alexnet, alexnetOriginal, zfnet } from "./alexnet.js";
import { vgg11, vgg11Bn, vgg13, vgg13Bn, vgg16, vgg16Bn, vgg19, vgg19Bn } from "./vgg.js";
import { googlenet } from "./googlenet.js";
import {
  resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, wideResnet50_2, wideResnet101_2,
} from "./resnet.js";
import { resnet20, resnet32, resnet44, resnet56, resnet110, resnetStochasticDepth } from "./resnet_cifar.js";
import { preactResnet20, preactResnet56, preactResnet110, preactResnet164, preactResnet1001 } from "./preact_resnet.js";
import { wideResnet, wrn16_4, wrn16_8, wrn28_10, wrn40_4 } from "./wide_resnet.js";
import { densenet121, densenet161, densenet169, densenet201, densenetBC } from "./densenet.js";
import { squeezenet1_0, squeezenet1_1 } from "./squeezenet.js";
import { fractalnet } from "./fractalnet.js";

export type { ModelOptions, ImageModelOptions } from "./util.js";
export { skipInit, loadWeights, buildModel } from "./util.js";
export * from "./simple_cnn.js";
export * from "./lenet.js";
export * from "./alexnet.js";
export * from "./vgg.js";
export * from "./inception.js";
export * from "./googlenet.js";
export * from "./resnet.js";
export * from "./resnet_cifar.js";
export * from "./preact_resnet.js";
export * from "./wide_resnet.js";
export * from "./densenet.js";
export * from "./squeezenet.js";
export * from "./fractalnet.js";
export * from "./transfer.js";
export * from "./summary.js";
export * from "./captioning.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Factory = (options?: any) => Module;

/** Registry: lowercase zoo name (torchvision's where it has one) → constructor. */
const REGISTRY = new Map<string, Factory>([
  ["simple_cnn", simpleCnn],
  ["lenet5", lenet5],
  ["alexnet", alexnet], ["alexnet_original", alexnetOriginal], ["zfnet", zfnet],
  ["vgg11", vgg11], ["vgg11_bn", vgg11Bn], ["vgg13", vgg13], ["vgg13_bn", vgg13Bn],
  ["vgg16", vgg16], ["vgg16_bn", vgg16Bn], ["vgg19", vgg19], ["vgg19_bn", vgg19Bn],
  ["googlenet", googlenet],
  ["resnet18", resnet18], ["resnet34", resnet34], ["resnet50", resnet50], ["resnet101", resnet101], ["resnet152", resnet152],
  ["resnext50_32x4d", resnext50_32x4d], ["resnext101_32x8d", resnext101_32x8d],
  ["wide_resnet50_2", wideResnet50_2], ["wide_resnet101_2", wideResnet101_2],
  ["resnet20", resnet20], ["resnet32", resnet32], ["resnet44", resnet44], ["resnet56", resnet56], ["resnet110", resnet110],
  ["resnet110_sd", resnetStochasticDepth],
  ["preact_resnet20", preactResnet20], ["preact_resnet56", preactResnet56], ["preact_resnet110", preactResnet110],
  ["preact_resnet164", preactResnet164], ["preact_resnet1001", preactResnet1001],
  ["wrn", wideResnet], ["wrn16_4", wrn16_4], ["wrn16_8", wrn16_8], ["wrn28_10", wrn28_10], ["wrn40_4", wrn40_4],
  ["densenet121", densenet121], ["densenet161", densenet161], ["densenet169", densenet169], ["densenet201", densenet201],
  ["densenet_bc", densenetBC],
  ["squeezenet1_0", squeezenet1_0], ["squeezenet1_1", squeezenet1_1],
  ["fractalnet", fractalnet],
]);

/** Register a constructor under a new lowercase name (zoo names cannot be replaced). */
export function register(name: string, factory: Factory): void {
  if (typeof name !== "string" || name !== name.toLowerCase() || name === "") {
    throw new Error(`models.register: name must be a non-empty lowercase string, got ${JSON.stringify(name)}`);
  }
  if (REGISTRY.has(name)) throw new Error(`models.register: "${name}" is already registered`);
  if (typeof factory !== "function") throw new Error(`models.register: factory must be a function, got ${typeof factory}`);
  REGISTRY.set(name, factory);
}

/** Every registered model name (lowercase), sorted. */
export function list(): string[] {
  return [...REGISTRY.keys()].sort();
}

/**
 * Build a model by its zoo name (case-insensitive; "-" and "_" interchangeable), e.g.
 * `models.create("resnet20", { inChannels: 1, numClasses: 10 })`. Options are the constructor's.
 */
export function create(name: string, options: ModelOptions & Record<string, unknown> = {}): Module {
  if (typeof name !== "string") throw new Error(`models.create: name must be a string, got ${typeof name}`);
  const key = name.toLowerCase().replace(/-/g, "_");
  const f = REGISTRY.get(key) ?? [...REGISTRY.entries()].find(([k]) => k.replace(/_/g, "") === key.replace(/_/g, ""))?.[1];
  if (!f) {
    const near = list().filter((n) => n.startsWith(key.slice(0, 3)));
    throw new Error(`models.create: unknown model "${name}"${near.length ? `; did you mean ${near.join(", ")}?` : ""}; models.list() has all ${list().length} names`);
  }
  return f(options);
}
