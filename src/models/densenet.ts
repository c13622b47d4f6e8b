// DenseNet (Huang et al. 2017) as torchvision builds it (features.conv0 ... features.norm5,
// denseblockN.denselayerM.{norm1,conv1,norm2,conv2}, transitionN.{norm,conv}, classifier) and
// DenseNet-BC for CIFAR (the paper's §3: a 3×3 stem with 2k filters, three dense blocks of
// (L − 4)/6 bottleneck layers, compression 0.5), which reuses the same modules and names.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d } from "../nn/norm.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d, AvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Identity } from "../nn/misc.js";
import * as init from "../nn/init.js";
import { cat } from "../ops/shape.js";
import { dropout } from "../ops/dropout.js";
import { relu } from "../ops/elementwise.js";
import { adaptiveAvgPool2d } from "../ops/pool.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ImageModelOptions, buildModel, initSkipped, intOption, probOption, useSmallInput } from "./util.js";

/** BN-ReLU-conv1×1 (bnSize·k) - BN-ReLU-conv3×3 (k) on the concatenation of all earlier maps. */
export class DenseLayer extends Module {
  norm1: BatchNorm2d;
  relu1 = new ReLU();
  conv1: Conv2d;
  norm2: BatchNorm2d;
  relu2 = new ReLU();
  conv2: Conv2d;
  constructor(inFeatures: number, growthRate: number, bnSize: number, readonly dropRate: number) {
    super();
    this.norm1 = new BatchNorm2d(inFeatures);
    this.conv1 = new Conv2d(inFeatures, bnSize * growthRate, 1, { bias: false });
    this.norm2 = new BatchNorm2d(bnSize * growthRate);
    this.conv2 = new Conv2d(bnSize * growthRate, growthRate, 3, { padding: 1, bias: false });
  }
  override forward(features: Tensor[] | Tensor): Tensor {
    const x = Array.isArray(features) ? (features.length === 1 ? features[0] : cat(features, 1)) : features;
    const b = this.conv1.forward(this.relu1.forward(this.norm1.forward(x)));
    const out = this.conv2.forward(this.relu2.forward(this.norm2.forward(b)));
    return this.dropRate > 0 ? dropout(out, this.dropRate, this.training) : out;
  }
}

/** numLayers dense layers (denselayer1..N); output = concatenation of the input and every layer's k maps. */
export class DenseBlock extends Module {
  constructor(numLayers: number, inFeatures: number, bnSize: number, growthRate: number, dropRate: number) {
    super();
    for (let i = 0; i < numLayers; i++) {
      this.registerModule(`denselayer${i + 1}`, new DenseLayer(inFeatures + i * growthRate, growthRate, bnSize, dropRate));
    }
  }
  override forward(x: Tensor): Tensor {
    const features = [x];
    // Each layer gets a snapshot of the list (the autograd record of cat keeps its input list).
    for (const layer of this.children()) features.push(layer.forward([...features]));
    return cat(features, 1);
  }
}

/** BN-ReLU-conv1×1 (compress) - avgpool 2×2: between dense blocks (keys norm, conv). */
export class Transition extends Sequential {
  constructor(inFeatures: number, outFeatures: number) {
    super({
      norm: new BatchNorm2d(inFeatures), relu: new ReLU(),
      conv: new Conv2d(inFeatures, outFeatures, 1, { bias: false }), pool: new AvgPool2d(2, { stride: 2 }),
    });
  }
}

export interface DenseNetOptions extends ImageModelOptions {
  /** k, new maps per layer (default 32). */
  growthRate?: number;
  /** Layers per dense block (default [6, 12, 24, 16] = DenseNet-121). */
  blockConfig?: readonly number[];
  /** Stem width (default 64). */
  numInitFeatures?: number;
  /** Bottleneck factor: the 1×1 conv makes bnSize·k maps (default 4). */
  bnSize?: number;
  /** Dropout after each dense layer (default 0). */
  dropRate?: number;
  /** "imagenet": conv7×7/2-BN-ReLU-maxpool (torchvision); "cifar": one 3×3 conv (DenseNet-BC for CIFAR). */
  stem?: "imagenet" | "cifar";
}

/** torchvision's DenseNet: features (Sequential of named stages), relu, adaptive pool, classifier. */
export class DenseNet extends Module {
  features: Sequential;
  classifier: Linear;
  constructor(options: DenseNetOptions = {}) {
    super();
    const k = intOption("DenseNet", "growthRate", options.growthRate ?? 32);
    const cfg = options.blockConfig ?? [6, 12, 24, 16];
    const nif = intOption("DenseNet", "numInitFeatures", options.numInitFeatures ?? 64);
    const bnSize = intOption("DenseNet", "bnSize", options.bnSize ?? 4);
    const p = probOption("DenseNet", "dropRate", options.dropRate ?? 0);
    const inC = intOption("DenseNet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("DenseNet", "numClasses", options.numClasses ?? 1000);
    const stem = options.stem ?? "imagenet";
    const parts = new Map<string, Module>();
    if (stem === "cifar") {
      parts.set("conv0", new Conv2d(inC, nif, 3, { padding: 1, bias: false }));
    } else {
      const small = useSmallInput(options);
      parts.set("conv0", small ? new Conv2d(inC, nif, 3, { padding: 1, bias: false }) : new Conv2d(inC, nif, 7, { stride: 2, padding: 3, bias: false }));
      parts.set("norm0", new BatchNorm2d(nif));
      parts.set("relu0", new ReLU());
      parts.set("pool0", small ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 }));
    }
    let nf = nif;
    cfg.forEach((n, i) => {
      intOption("DenseNet", "blockConfig entry", n);
      parts.set(`denseblock${i + 1}`, new DenseBlock(n, nf, bnSize, k, p));
      nf += n * k;
      if (i !== cfg.length - 1) {
        parts.set(`transition${i + 1}`, new Transition(nf, Math.floor(nf / 2)));
        nf = Math.floor(nf / 2);
      }
    });
    parts.set("norm5", new BatchNorm2d(nf));
    this.features = new Sequential(parts);
    this.classifier = new Linear(nf, nc);
    if (!initSkipped()) for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight);
      else if (m instanceof BatchNorm2d) {
        init.ones_(m.weight!);
        init.zeros_(m.bias!);
      } else if (m instanceof Linear && m.bias) init.zeros_(m.bias);
    }
  }
  override forward(x: Tensor): Tensor {
    const f = relu(this.features.forward(x));
    return this.classifier.forward(adaptiveAvgPool2d(f, [1, 1]).flatten(1));
  }
  headName(): string {
    return "classifier";
  }
}

const dn = (k: number, cfg: number[], nif: number) => (options: DenseNetOptions = {}): DenseNet =>
  buildModel(() => new DenseNet({ growthRate: k, blockConfig: cfg, numInitFeatures: nif, ...options }), options);

/** DenseNet-121: 7,978,856 parameters. */
export const densenet121 = dn(32, [6, 12, 24, 16], 64);
/** DenseNet-161 (k = 48). */
export const densenet161 = dn(48, [6, 12, 36, 24], 96);
/** DenseNet-169. */
export const densenet169 = dn(32, [6, 12, 32, 32], 64);
/** DenseNet-201. */
export const densenet201 = dn(32, [6, 12, 48, 32], 64);

export interface DenseNetBCOptions extends Omit<DenseNetOptions, "blockConfig" | "stem" | "numInitFeatures"> {
  /** Depth L = 6n + 4 (default 100). */
  depth?: number;
}

/** DenseNet-BC for CIFAR: DenseNet-BC (L = 100, k = 12) has 0.8M parameters; (250, 24) 15.3M; (190, 40) 25.6M. */
export function densenetBC(options: DenseNetBCOptions = {}): DenseNet {
  const depth = intOption("densenetBC", "depth", options.depth ?? 100, 10);
  if ((depth - 4) % 6 !== 0) throw new Error(`densenetBC: depth must be 6n + 4 (e.g. 100, 190, 250), got ${depth}`);
  const n = (depth - 4) / 6;
  const k = options.growthRate ?? 12;
  const o: DenseNetOptions = { numClasses: 10, ...options, growthRate: k, blockConfig: [n, n, n], numInitFeatures: 2 * k, stem: "cifar" };
  return buildModel(() => new DenseNet(o), options);
}
