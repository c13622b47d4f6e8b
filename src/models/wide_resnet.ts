// Wide Residual Networks (Zagoruyko & Komodakis 2016), WRN-d-k: a 3×3 conv with 16 filters,
// three groups of n = (d − 4)/6 pre-activation basic blocks with 16k, 32k, 64k filters (stride
// 2 at groups 2 and 3), optional dropout between a block's two convs, BN-ReLU, global average
// pooling, linear. 1×1 conv shortcuts where the shape changes. WRN-28-10: 36.5M parameters,
// WRN-40-4: 8.9M, WRN-16-4: 2.7M (10 classes). (torchvision's wide_resnet50_2 is a different,
// ImageNet model: see resnet.ts.)

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d, batchNormReLU } from "../nn/norm.js";
import { ReLU } from "../nn/activation.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import * as init from "../nn/init.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelOptions, buildModel, initSkipped, intOption, probOption } from "./util.js";
import { PreActBlock } from "./preact_resnet.js";

/** A wide pre-activation block: BN-ReLU-conv3×3 (stride) dropout BN-ReLU-conv3×3, plus shortcut. */
export class WideBasicBlock extends PreActBlock {
  declare dropout: Dropout;
  constructor(inPlanes: number, planes: number, stride: number, dropRate: number) {
    super(inPlanes, planes, stride, dropRate);
  }
}

export interface WideResNetOptions extends ModelOptions {
  /** Depth d = 6n + 4 (default 28). */
  depth?: number;
  /** Widening factor k (default 10). */
  widenFactor?: number;
  /** Dropout between the convs of each block (default 0; the paper uses 0.3 on CIFAR). */
  dropRate?: number;
}

/** WRN-d-k: conv1, block1..3, bn, avgpool, fc. */
export class WideResNet extends Module {
  conv1: Conv2d;
  block1: Sequential;
  block2: Sequential;
  block3: Sequential;
  bn: BatchNorm2d;
  relu = new ReLU();
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  fc: Linear;
  constructor(options: WideResNetOptions = {}) {
    super();
    const depth = intOption("WideResNet", "depth", options.depth ?? 28, 10);
    if ((depth - 4) % 6 !== 0) throw new Error(`WideResNet: depth must be 6n + 4 (16, 22, 28, 40), got ${depth}`);
    const n = (depth - 4) / 6;
    const k = intOption("WideResNet", "widenFactor", options.widenFactor ?? 10);
    const p = probOption("WideResNet", "dropRate", options.dropRate ?? 0);
    const inC = intOption("WideResNet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("WideResNet", "numClasses", options.numClasses ?? 10);
    const widths = [16, 16 * k, 32 * k, 64 * k];
    this.conv1 = new Conv2d(inC, widths[0], 3, { padding: 1, bias: false });
    let inPlanes = widths[0];
    const group = (planes: number, stride: number): Sequential => {
      const blocks: Module[] = [];
      for (let i = 0; i < n; i++) {
        blocks.push(new WideBasicBlock(inPlanes, planes, i === 0 ? stride : 1, p));
        inPlanes = planes;
      }
      return new Sequential(...blocks);
    };
    this.block1 = group(widths[1], 1);
    this.block2 = group(widths[2], 2);
    this.block3 = group(widths[3], 2);
    this.bn = new BatchNorm2d(widths[3]);
    this.fc = new Linear(widths[3], nc);
    // The authors' init: He normal (fan_out) convs, BN 1/0, linear bias 0.
    if (!initSkipped()) for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      else if (m instanceof Linear && m.bias) init.zeros_(m.bias);
    }
  }
  forwardFeatures(x: Tensor): Tensor {
    const h = this.block3.forward(this.block2.forward(this.block1.forward(this.conv1.forward(x))));
    return batchNormReLU(this.bn, this.relu, h);
  }
  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.avgpool.forward(this.forwardFeatures(x)).flatten(1));
  }
  headName(): string {
    return "fc";
  }
}

/** WRN-d-k with any depth/width: `wideResnet({ depth: 40, widenFactor: 4 })`. */
export const wideResnet = (options: WideResNetOptions = {}): WideResNet => buildModel(() => new WideResNet(options), options);
const wrn = (depth: number, k: number) => (options: WideResNetOptions = {}): WideResNet =>
  buildModel(() => new WideResNet({ depth, widenFactor: k, ...options }), options);
/** WRN-28-10 (36.5M). */
export const wrn28_10 = wrn(28, 10);
/** WRN-40-4 (8.9M). */
export const wrn40_4 = wrn(40, 4);
/** WRN-16-4 (2.7M). */
export const wrn16_4 = wrn(16, 4);
/** WRN-16-8 (11.0M). */
export const wrn16_8 = wrn(16, 8);
