// Pre-activation ResNets (He et al. 2016, "Identity Mappings in Deep Residual Networks"): each
// block is BN → ReLU → conv → BN → ReLU → conv, the addition is left clean (no ReLU after it),
// and the network ends with BN → ReLU before pooling. CIFAR layout: 16/32/64 filters (×4 with
// bottlenecks); depth 6n + 2 with basic blocks (PreAct-ResNet-20 ... 110) or 9n + 2 with
// bottlenecks (164, 1001). Shortcuts that change shape are 1×1 projections, as in the paper.

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
import { type ModelOptions, buildModel, initSkipped, intOption } from "./util.js";

/**
 * BN-ReLU-conv3×3 twice; the shortcut (projection if needed) taken from the pre-activated
 * input, as in the paper's code. With `dropRate` (Wide ResNet's block), a dropout layer sits
 * between the two convs.
 */
export class PreActBlock extends Module {
  static readonly expansion = 1;
  bn1: BatchNorm2d;
  conv1: Conv2d;
  dropout?: Dropout;
  bn2: BatchNorm2d;
  conv2: Conv2d;
  relu = new ReLU();
  shortcut: Conv2d | null;
  constructor(inPlanes: number, planes: number, stride: number, dropRate?: number) {
    super();
    this.bn1 = new BatchNorm2d(inPlanes);
    this.conv1 = new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false });
    if (dropRate !== undefined) this.dropout = new Dropout(dropRate);
    this.bn2 = new BatchNorm2d(planes);
    this.conv2 = new Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.shortcut = stride !== 1 || inPlanes !== planes ? new Conv2d(inPlanes, planes, 1, { stride, bias: false }) : null;
  }
  override forward(x: Tensor): Tensor {
    const a = batchNormReLU(this.bn1, this.relu, x);
    const sc = this.shortcut ? this.shortcut.forward(a) : x;
    let h = this.conv1.forward(a);
    if (this.dropout) h = this.dropout.forward(h);
    return this.conv2.forward(batchNormReLU(this.bn2, this.relu, h)).add(sc);
  }
}

/** BN-ReLU-conv1×1, BN-ReLU-conv3×3 (stride), BN-ReLU-conv1×1 (×4). */
export class PreActBottleneck extends Module {
  static readonly expansion = 4;
  bn1: BatchNorm2d;
  conv1: Conv2d;
  bn2: BatchNorm2d;
  conv2: Conv2d;
  bn3: BatchNorm2d;
  conv3: Conv2d;
  relu = new ReLU();
  shortcut: Conv2d | null;
  constructor(inPlanes: number, planes: number, stride: number) {
    super();
    this.bn1 = new BatchNorm2d(inPlanes);
    this.conv1 = new Conv2d(inPlanes, planes, 1, { bias: false });
    this.bn2 = new BatchNorm2d(planes);
    this.conv2 = new Conv2d(planes, planes, 3, { stride, padding: 1, bias: false });
    this.bn3 = new BatchNorm2d(planes);
    this.conv3 = new Conv2d(planes, planes * 4, 1, { bias: false });
    this.shortcut = stride !== 1 || inPlanes !== planes * 4 ? new Conv2d(inPlanes, planes * 4, 1, { stride, bias: false }) : null;
  }
  override forward(x: Tensor): Tensor {
    const a = batchNormReLU(this.bn1, this.relu, x);
    const sc = this.shortcut ? this.shortcut.forward(a) : x;
    let out = this.conv1.forward(a);
    out = this.conv2.forward(batchNormReLU(this.bn2, this.relu, out));
    out = this.conv3.forward(batchNormReLU(this.bn3, this.relu, out));
    return out.add(sc);
  }
}

export interface PreActResNetOptions extends ModelOptions {
  /** 6n + 2 with basic blocks, or 9n + 2 with bottleneck: true (default 110 basic / 164 bottleneck). */
  depth?: number;
  bottleneck?: boolean;
}

/** conv1, layer1..3, bn (final pre-activation), avgpool, fc. */
export class PreActResNet extends Module {
  conv1: Conv2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  bn: BatchNorm2d;
  relu = new ReLU();
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  fc: Linear;
  constructor(options: PreActResNetOptions = {}) {
    super();
    const bottleneck = options.bottleneck ?? false;
    const per = bottleneck ? 9 : 6;
    const depth = intOption("PreActResNet", "depth", options.depth ?? (bottleneck ? 164 : 110), per + 2);
    if ((depth - 2) % per !== 0) throw new Error(`PreActResNet: depth must be ${per}n + 2 with ${bottleneck ? "bottleneck" : "basic"} blocks, got ${depth}`);
    const n = (depth - 2) / per;
    const inC = intOption("PreActResNet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("PreActResNet", "numClasses", options.numClasses ?? 10);
    const exp = bottleneck ? 4 : 1;
    this.conv1 = new Conv2d(inC, 16, 3, { padding: 1, bias: false });
    let inPlanes = 16;
    const stage = (planes: number, stride: number): Sequential => {
      const blocks: Module[] = [];
      for (let i = 0; i < n; i++) {
        const s = i === 0 ? stride : 1;
        blocks.push(bottleneck ? new PreActBottleneck(inPlanes, planes, s) : new PreActBlock(inPlanes, planes, s));
        inPlanes = planes * exp;
      }
      return new Sequential(...blocks);
    };
    this.layer1 = stage(16, 1);
    this.layer2 = stage(32, 2);
    this.layer3 = stage(64, 2);
    this.bn = new BatchNorm2d(64 * exp);
    this.fc = new Linear(64 * exp, nc);
    if (!initSkipped()) for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
    }
  }
  forwardFeatures(x: Tensor): Tensor {
    const h = this.layer3.forward(this.layer2.forward(this.layer1.forward(this.conv1.forward(x))));
    return batchNormReLU(this.bn, this.relu, h);
  }
  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.avgpool.forward(this.forwardFeatures(x)).flatten(1));
  }
  headName(): string {
    return "fc";
  }
}

const preact = (depth: number, bottleneck: boolean) => (options: PreActResNetOptions = {}): PreActResNet =>
  buildModel(() => new PreActResNet({ depth, bottleneck, ...options }), options);

export const preactResnet20 = preact(20, false);
export const preactResnet56 = preact(56, false);
export const preactResnet110 = preact(110, false);
/** PreAct-ResNet-164 (bottleneck, 1.7M parameters). */
export const preactResnet164 = preact(164, true);
/** PreAct-ResNet-1001 (bottleneck, 10.2M parameters). */
export const preactResnet1001 = preact(1001, true);
/** Any depth: `preactResnet({ depth: 38 })`, `preactResnet({ depth: 200, bottleneck: true })`. */
export const preactResnet = (options: PreActResNetOptions = {}): PreActResNet => buildModel(() => new PreActResNet(options), options);
