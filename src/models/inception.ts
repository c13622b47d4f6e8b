// Inception modules (Szegedy et al. 2014) and the Network-in-Network 1×1 bottleneck idea:
// the naive module (parallel 1×1, 3×3, 5×5 convs and a 3×3 max-pool, concatenated) and the
// module with 1×1 bottlenecks before the 3×3/5×5 convs and after the pool. On the course's
// 28×28×256 example the naive module costs 854M multiply-adds, the bottleneck one 358M
// (see models.summary). GoogLeNet's building blocks (BasicConv2d, Inception, InceptionAux) use
// torchvision's names so GoogLeNet's keys match.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d, batchNormReLU } from "../nn/norm.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import { cat } from "../ops/shape.js";
import { adaptiveAvgPool2d } from "../ops/pool.js";
import type { Tensor } from "../tensor/tensor.js";
import { intOption } from "./util.js";

/** Conv (no bias) + BatchNorm (eps 0.001) + ReLU: torchvision's BasicConv2d (keys conv.*, bn.*). */
export class BasicConv2d extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;
  relu = new ReLU();
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: { stride?: number; padding?: number } = {}) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, { ...options, bias: false });
    this.bn = new BatchNorm2d(outChannels, { eps: 0.001 });
  }
  override forward(x: Tensor): Tensor {
    return batchNormReLU(this.bn, this.relu, this.conv.forward(x));
  }
}

/** Conv with bias + ReLU: the plain block of the course's Inception example (no batch norm). */
export class ConvReLU extends Module {
  conv: Conv2d;
  relu = new ReLU();
  constructor(inChannels: number, outChannels: number, kernelSize: number) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, { padding: (kernelSize - 1) / 2 });
  }
  override forward(x: Tensor): Tensor {
    return this.relu.forward(this.conv.forward(x));
  }
}

/**
 * The naive Inception module: 1×1, 3×3 and 5×5 convs (same padding) and a 3×3/1 max-pool on the
 * same input, concatenated along channels (out = ch1x1 + ch3x3 + ch5x5 + inChannels). The pool
 * branch keeps all input channels, so depth grows every module: the problem bottlenecks solve.
 */
export class NaiveInception extends Module {
  branch1: ConvReLU;
  branch2: ConvReLU;
  branch3: ConvReLU;
  branch4 = new MaxPool2d(3, { stride: 1, padding: 1 });
  constructor(inChannels: number, ch1x1: number, ch3x3: number, ch5x5: number) {
    super();
    for (const [n, v] of Object.entries({ inChannels, ch1x1, ch3x3, ch5x5 })) intOption("NaiveInception", n, v);
    this.branch1 = new ConvReLU(inChannels, ch1x1, 1);
    this.branch2 = new ConvReLU(inChannels, ch3x3, 3);
    this.branch3 = new ConvReLU(inChannels, ch5x5, 5);
  }
  override forward(x: Tensor): Tensor {
    return cat([this.branch1.forward(x), this.branch2.forward(x), this.branch3.forward(x), this.branch4.forward(x)], 1);
  }
}

export interface InceptionOptions {
  /** Kernel of the "5×5" branch: 5 (the paper) or 3 (torchvision's GoogLeNet, a known bug kept for weight compatibility). */
  kernel5?: 3 | 5;
  /** BasicConv2d (conv+BN+ReLU, default, torchvision) or plain conv+ReLU (the paper/course). */
  batchNorm?: boolean;
}

/**
 * The Inception module with 1×1 bottlenecks (GoogLeNet's): branch1 1×1; branch2 1×1 → 3×3;
 * branch3 1×1 → 5×5; branch4 3×3/1 max-pool → 1×1 projection. Output channels
 * ch1x1 + ch3x3 + ch5x5 + poolProj. Keys as torchvision's Inception (branch2.0.conv.weight, ...).
 */
export class Inception extends Module {
  branch1: Module;
  branch2: Sequential;
  branch3: Sequential;
  branch4: Sequential;
  constructor(inChannels: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number,
    options: InceptionOptions = {}) {
    super();
    for (const [n, v] of Object.entries({ inChannels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj })) intOption("Inception", n, v);
    const k5 = options.kernel5 ?? 3;
    const bn = options.batchNorm ?? true;
    const block = (i: number, o: number, k: number): Module => (bn ? new BasicConv2d(i, o, k, { padding: (k - 1) / 2 }) : new ConvReLU(i, o, k));
    this.branch1 = block(inChannels, ch1x1, 1);
    this.branch2 = new Sequential(block(inChannels, ch3x3red, 1), block(ch3x3red, ch3x3, 3));
    this.branch3 = new Sequential(block(inChannels, ch5x5red, 1), block(ch5x5red, ch5x5, k5));
    this.branch4 = new Sequential(new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), block(inChannels, poolProj, 1));
  }
  override forward(x: Tensor): Tensor {
    return cat([this.branch1.forward(x), this.branch2.forward(x), this.branch3.forward(x), this.branch4.forward(x)], 1);
  }
}

/** GoogLeNet's auxiliary classifier: avgpool to 4×4, 1×1 conv 128, fc 2048→1024, dropout, fc → classes. */
export class InceptionAux extends Module {
  conv: BasicConv2d;
  fc1: Linear;
  fc2: Linear;
  relu = new ReLU();
  dropout: Dropout;
  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.conv = new BasicConv2d(inChannels, 128, 1);
    this.fc1 = new Linear(2048, 1024);
    this.fc2 = new Linear(1024, numClasses);
    this.dropout = new Dropout(dropout);
  }
  override forward(x: Tensor): Tensor {
    const h = this.conv.forward(adaptiveAvgPool2d(x, [4, 4])).flatten(1);
    return this.fc2.forward(this.dropout.forward(this.relu.forward(this.fc1.forward(h))));
  }
}

/** The course's naive module on 28×28×256: 1×1 128, 3×3 192, 5×5 96 (+ pool) → 672 channels, 854M MACs. */
export function naiveInceptionExample(): NaiveInception {
  return new NaiveInception(256, 128, 192, 96);
}

/** The course's bottleneck module on 28×28×256: 1×1 128; 1×1 64 → 3×3 192; 1×1 64 → 5×5 96; pool → 1×1 64; 358M MACs. */
export function bottleneckInceptionExample(): Inception {
  return new Inception(256, 128, 64, 192, 64, 96, 64, { kernel5: 5, batchNorm: false });
}
