// VGG (Simonyan & Zisserman 2014), configurations A/B/D/E = VGG-11/13/16/19, with and without
// batch norm, exactly torchvision's layout (features from makeLayers(cfg), avgpool 7×7,
// classifier 25088-4096-4096-classes) and initialisation.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d } from "../nn/norm.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import * as init from "../nn/init.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelOptions, buildModel, initSkipped, intOption, probOption } from "./util.js";

/** A VGG configuration: conv widths, "M" for a 2×2 max-pool. */
export type VggConfig = readonly (number | "M")[];

/** torchvision's cfgs: A = VGG-11, B = VGG-13, D = VGG-16, E = VGG-19. */
export const VGG_CONFIGS: Record<"A" | "B" | "D" | "E", VggConfig> = {
  A: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  B: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  D: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  E: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
};

/** torchvision's make_layers: conv3×3 (pad 1) [+ BN] + ReLU per number, MaxPool2d(2) per "M". */
export function makeLayers(cfg: VggConfig, batchNorm = false, inChannels = 3): Sequential {
  const layers: Module[] = [];
  let c = inChannels;
  for (const v of cfg) {
    if (v === "M") layers.push(new MaxPool2d(2, { stride: 2 }));
    else {
      layers.push(new Conv2d(c, v, 3, { padding: 1 }));
      if (batchNorm) layers.push(new BatchNorm2d(v));
      layers.push(new ReLU());
      c = v;
    }
  }
  return new Sequential(...layers);
}

export interface VggOptions extends ModelOptions {
  /** Dropout in the classifier (default 0.5). */
  dropout?: number;
  /** Width of the two hidden classifier layers (default 4096). */
  hidden?: number;
  /** Side of the adaptive average pool before the classifier (default 7; 1 is the usual CIFAR head). */
  poolSize?: number;
  /** Apply torchvision's init (default true). */
  initWeights?: boolean;
  /** Input height = width: below 32 the last max-pool is left out (28×28 would shrink to 0 after five pools). */
  inputSize?: number;
}

/** torchvision's VGG: features → AdaptiveAvgPool2d(7) → classifier (Linear-ReLU-Dropout ×2, Linear). */
export class VGG extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor(features: Sequential, options: VggOptions = {}) {
    super();
    const nc = intOption("VGG", "numClasses", options.numClasses ?? 1000);
    const hidden = intOption("VGG", "hidden", options.hidden ?? 4096);
    const ps = intOption("VGG", "poolSize", options.poolSize ?? 7);
    const p = probOption("VGG", "dropout", options.dropout ?? 0.5);
    const convs = features.modules().filter((m): m is Conv2d => m instanceof Conv2d);
    if (convs.length === 0) throw new Error("VGG: features must contain at least one Conv2d");
    const last = convs[convs.length - 1].outChannels;
    this.features = features;
    this.avgpool = new AdaptiveAvgPool2d([ps, ps]);
    this.classifier = new Sequential(
      new Linear(last * ps * ps, hidden), new ReLU(), new Dropout(p),
      new Linear(hidden, hidden), new ReLU(), new Dropout(p),
      new Linear(hidden, nc),
    );
    if (options.initWeights ?? true) {
      if (!initSkipped()) for (const m of this.modules()) {
        if (m instanceof Conv2d) {
          init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
          if (m.bias) init.zeros_(m.bias);
        } else if (m instanceof BatchNorm2d) {
          init.ones_(m.weight!);
          init.zeros_(m.bias!);
        } else if (m instanceof Linear) {
          init.normal_(m.weight, 0, 0.01);
          if (m.bias) init.zeros_(m.bias);
        }
      }
    }
  }
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
  headName(): string {
    return "classifier.6";
  }
}

function build(cfg: keyof typeof VGG_CONFIGS, bn: boolean, options: VggOptions): VGG {
  const inC = intOption("vgg", "inChannels", options.inChannels ?? 3);
  // Dropping the final "M" keeps every other layer's index, so keys stay torchvision's.
  const layers = options.inputSize !== undefined && options.inputSize < 32 ? VGG_CONFIGS[cfg].slice(0, -1) : VGG_CONFIGS[cfg];
  return buildModel(() => new VGG(makeLayers(layers, bn, inC), options), options);
}

/** VGG-11 (config A). Inputs ≥ 32×32 work as is (five 2×2 pools, then the adaptive pool); give inputSize for smaller ones. */
export const vgg11 = (o: VggOptions = {}): VGG => build("A", false, o);
export const vgg11Bn = (o: VggOptions = {}): VGG => build("A", true, o);
/** VGG-13 (config B). */
export const vgg13 = (o: VggOptions = {}): VGG => build("B", false, o);
export const vgg13Bn = (o: VggOptions = {}): VGG => build("B", true, o);
/** VGG-16 (config D): 138,357,544 parameters with 1000 classes. */
export const vgg16 = (o: VggOptions = {}): VGG => build("D", false, o);
export const vgg16Bn = (o: VggOptions = {}): VGG => build("D", true, o);
/** VGG-19 (config E). */
export const vgg19 = (o: VggOptions = {}): VGG => build("E", false, o);
export const vgg19Bn = (o: VggOptions = {}): VGG => build("E", true, o);
