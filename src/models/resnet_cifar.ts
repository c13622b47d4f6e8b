// The CIFAR ResNets of He et al. 2015 (§4.2): a 3×3 conv with 16 filters, three stages of n
// basic blocks with 16, 32, 64 filters (stride 2 at the start of stages 2 and 3), global
// average pooling and a linear layer; depth 6n + 2 (ResNet-20/32/44/56/110 for n = 3/5/7/9/18).
// Shortcuts use option A by default, as in the paper's CIFAR experiments: identity, with the
// input subsampled (every other pixel) and zero-padded with extra channels when the shape
// changes, so the model has no projection parameters (ResNet-20: 0.27M). Option B uses a 1×1
// conv + BN projection on those shortcuts instead.
// With `stochasticDepth` set, each residual branch is dropped during training with a
// probability growing linearly with depth to that value (Huang et al. 2016, "linear decay",
// p_L = 0.5 in the paper), one draw per mini-batch by default.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d, batchNormReLU } from "../nn/norm.js";
import { ReLU, addReLU } from "../nn/activation.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { StochasticDepth } from "../nn/regularization.js";
import * as init from "../nn/init.js";
import { maxPool2d } from "../ops/pool.js";
import { cat } from "../ops/shape.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelOptions, buildModel, initSkipped, intOption, probOption } from "./util.js";

/** Option A shortcut: subsample by `stride` and zero-pad channels up to `planes` (no parameters). */
export class PadShortcut extends Module {
  constructor(readonly inPlanes: number, readonly planes: number, readonly stride: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    // A 1×1 max-pool with stride s is exactly x[:, :, ::s, ::s].
    const sub = this.stride === 1 ? x : maxPool2d(x, 1, { stride: this.stride });
    const extra = this.planes - this.inPlanes;
    if (extra === 0) return sub;
    const [n, , h, w] = sub.shape;
    const before = Math.floor(extra / 2);
    const parts = [];
    if (before > 0) parts.push(zeros([n, before, h, w], { dtype: sub.dtype }));
    parts.push(sub);
    parts.push(zeros([n, extra - before, h, w], { dtype: sub.dtype }));
    return cat(parts, 1);
  }
  override extraRepr(): string {
    return `in=${this.inPlanes}, out=${this.planes}, stride=${this.stride}`;
  }
}

/** A CIFAR basic block; `shortcut` is Sequential() for identity, PadShortcut (A) or conv+BN (B). */
export class CifarBasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  relu = new ReLU();
  shortcut: Module;
  drop: StochasticDepth | null;
  constructor(inPlanes: number, planes: number, stride: number, option: "A" | "B", dropProb: number, mode: "batch" | "row") {
    super();
    this.conv1 = new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = new Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(planes);
    if (stride === 1 && inPlanes === planes) this.shortcut = new Sequential();
    else if (option === "A") this.shortcut = new PadShortcut(inPlanes, planes, stride);
    else this.shortcut = new Sequential(new Conv2d(inPlanes, planes, 1, { stride, bias: false }), new BatchNorm2d(planes));
    this.drop = dropProb > 0 ? new StochasticDepth(dropProb, mode) : null;
  }
  override forward(x: Tensor): Tensor {
    let out = batchNormReLU(this.bn1, this.relu, this.conv1.forward(x));
    out = this.bn2.forward(this.conv2.forward(out));
    if (this.drop) out = this.drop.forward(out);
    return addReLU(out, this.shortcut.forward(x), this.relu);
  }
}

export interface CifarResNetOptions extends ModelOptions {
  /** 6n + 2 (20, 32, 44, 56, 110, 1202, ...). */
  depth?: number;
  /** Shortcut option "A" (zero-padding identity, default, the paper's CIFAR choice) or "B" (projection). */
  shortcut?: "A" | "B";
  /** Stage widths (default [16, 32, 64]). */
  widths?: readonly number[];
  /** Stochastic depth: drop probability of the last block (linear decay from 0; default 0 = off). */
  stochasticDepth?: number;
  /** Stochastic-depth draws: "batch" (one per mini-batch, the paper, default) or "row" (per sample). */
  stochasticDepthMode?: "batch" | "row";
}

/** The CIFAR ResNet: conv1, bn1, layer1..3, avgpool, fc. Any input ≥ 4×4 works (28×28 → 7×7 at the end). */
export class CifarResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  fc: Linear;
  constructor(options: CifarResNetOptions = {}) {
    super();
    const depth = intOption("CifarResNet", "depth", options.depth ?? 20, 8);
    if ((depth - 2) % 6 !== 0) throw new Error(`CifarResNet: depth must be 6n + 2 (20, 32, 44, 56, 110), got ${depth}`);
    const n = (depth - 2) / 6;
    const inC = intOption("CifarResNet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("CifarResNet", "numClasses", options.numClasses ?? 10);
    const w = options.widths ?? [16, 32, 64];
    if (w.length !== 3) throw new Error(`CifarResNet: widths must list 3 stage widths, got ${JSON.stringify(w)}`);
    const option = options.shortcut ?? "A";
    if (option !== "A" && option !== "B") throw new Error(`CifarResNet: shortcut must be "A" or "B", got ${JSON.stringify(option)}`);
    const pL = probOption("CifarResNet", "stochasticDepth", options.stochasticDepth ?? 0);
    const mode = options.stochasticDepthMode ?? "batch";
    this.conv1 = new Conv2d(inC, w[0], 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(w[0]);
    let inPlanes = w[0];
    let index = 0;
    const total = 3 * n;
    const stage = (planes: number, stride: number): Sequential => {
      const blocks: Module[] = [];
      for (let i = 0; i < n; i++) {
        index++;
        blocks.push(new CifarBasicBlock(inPlanes, planes, i === 0 ? stride : 1, option, (pL * index) / total, mode));
        inPlanes = planes;
      }
      return new Sequential(...blocks);
    };
    this.layer1 = stage(w[0], 1);
    this.layer2 = stage(w[1], 2);
    this.layer3 = stage(w[2], 2);
    this.fc = new Linear(w[2], nc);
    // He init for convs (the paper's [13]); BN 1/0; the linear keeps PyTorch's default.
    if (!initSkipped()) for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
    }
  }
  forwardFeatures(x: Tensor): Tensor {
    x = batchNormReLU(this.bn1, this.relu, this.conv1.forward(x));
    return this.layer3.forward(this.layer2.forward(this.layer1.forward(x)));
  }
  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.avgpool.forward(this.forwardFeatures(x)).flatten(1));
  }
  headName(): string {
    return "fc";
  }
}

const byDepth = (depth: number) => (options: CifarResNetOptions = {}): CifarResNet =>
  buildModel(() => new CifarResNet({ depth, ...options }), options);

/** CIFAR ResNet-20 (0.27M parameters with option A). */
export const resnet20 = byDepth(20);
export const resnet32 = byDepth(32);
export const resnet44 = byDepth(44);
export const resnet56 = byDepth(56);
/** CIFAR ResNet-110 (1.7M parameters). */
export const resnet110 = byDepth(110);
/** Any depth 6n + 2. */
export const cifarResnet = (options: CifarResNetOptions = {}): CifarResNet => buildModel(() => new CifarResNet(options), options);

/**
 * ResNet with stochastic depth (Huang et al. 2016): CIFAR ResNet-110 by default with the paper's
 * linear decay to p_L = 0.5 (drop probability 0.5 for the last block).
 */
export function resnetStochasticDepth(options: CifarResNetOptions = {}): CifarResNet {
  return buildModel(() => new CifarResNet({ depth: 110, stochasticDepth: 0.5, ...options }), options);
}
