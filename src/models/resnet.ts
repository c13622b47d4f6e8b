// ResNet (He et al. 2015) exactly as torchvision builds it: BasicBlock / Bottleneck, the 7×7
// stem, layer1..layer4, fc; torchvision's init (kaiming_normal_ fan_out for convs, BN 1/0,
// optional zero-init of each block's last BN) and its ResNeXt / wide variants via groups and
// widthPerGroup. Extra (not in torchvision, default off): `planes` to shrink the stage widths
// (used by the parity tests with the same change applied to torchvision's classes) and a
// small-input stem (3×3/1 conv, no max-pool) for 28×28 / 32×32 images; keys are unchanged.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d, batchNormReLU } from "../nn/norm.js";
import { ReLU, addReLU } from "../nn/activation.js";
import { MaxPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Identity } from "../nn/misc.js";
import * as init from "../nn/init.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ImageModelOptions, buildModel, initSkipped, intOption, useSmallInput } from "./util.js";

const conv3x3 = (i: number, o: number, stride = 1, groups = 1, dilation = 1): Conv2d =>
  new Conv2d(i, o, 3, { stride, padding: dilation, groups, dilation, bias: false });
const conv1x1 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 1, { stride, bias: false });

/** Options a block constructor receives (torchvision's arguments). */
interface BlockArgs {
  stride: number;
  downsample: Sequential | null;
  groups: number;
  baseWidth: number;
}

/** Two 3×3 convs; out = relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)). Expansion 1. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;
  constructor(inplanes: number, planes: number, a: BlockArgs) {
    super();
    if (a.groups !== 1 || a.baseWidth !== 64) throw new Error("BasicBlock: only supports groups=1 and widthPerGroup=64 (as torchvision)");
    this.conv1 = conv3x3(inplanes, planes, a.stride);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = a.downsample;
  }
  override forward(x: Tensor): Tensor {
    let out = batchNormReLU(this.bn1, this.relu, this.conv1.forward(x));
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return addReLU(out, identity, this.relu);
  }
}

/** 1×1 reduce, 3×3 (stride here, "ResNet v1.5"), 1×1 expand (×4). */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu = new ReLU();
  downsample: Sequential | null;
  constructor(inplanes: number, planes: number, a: BlockArgs) {
    super();
    const width = Math.floor(planes * (a.baseWidth / 64)) * a.groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, a.stride, a.groups);
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * 4);
    this.bn3 = new BatchNorm2d(planes * 4);
    this.downsample = a.downsample;
  }
  override forward(x: Tensor): Tensor {
    let out = batchNormReLU(this.bn1, this.relu, this.conv1.forward(x));
    out = batchNormReLU(this.bn2, this.relu, this.conv2.forward(out));
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return addReLU(out, identity, this.relu);
  }
}

export type BlockType = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions extends ImageModelOptions {
  /** Zero-init the last BN of each block so blocks start as identities (default false). */
  zeroInitResidual?: boolean;
  /** Conv groups in bottlenecks (ResNeXt; default 1). */
  groups?: number;
  /** Bottleneck width per group (default 64; 128 gives wide_resnet50_2). */
  widthPerGroup?: number;
  /** Stage widths (default [64, 128, 256, 512]); the stem has planes[0] channels. */
  planes?: readonly number[];
}

/** torchvision's ResNet(block, layers): conv1, bn1, relu, maxpool, layer1..4, avgpool, fc. */
export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU();
  maxpool: Module;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  fc: Linear;
  private inplanes: number;

  constructor(block: BlockType, layers: readonly number[], options: ResNetOptions = {}) {
    super();
    if (!Array.isArray(layers) || layers.length !== 4) throw new Error(`ResNet: layers must list 4 block counts, got ${JSON.stringify(layers)}`);
    const inC = intOption("ResNet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("ResNet", "numClasses", options.numClasses ?? 1000);
    const planes = options.planes ?? [64, 128, 256, 512];
    if (planes.length !== 4) throw new Error(`ResNet: planes must list 4 widths, got ${JSON.stringify(planes)}`);
    const groups = intOption("ResNet", "groups", options.groups ?? 1);
    const baseWidth = intOption("ResNet", "widthPerGroup", options.widthPerGroup ?? 64);
    this.inplanes = planes[0];
    const small = useSmallInput(options);
    this.conv1 = small ? new Conv2d(inC, this.inplanes, 3, { padding: 1, bias: false })
      : new Conv2d(inC, this.inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(this.inplanes);
    this.maxpool = small ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 });
    const make = (p: number, n: number, stride: number): Sequential => {
      intOption("ResNet", "block count", n);
      let downsample: Sequential | null = null;
      if (stride !== 1 || this.inplanes !== p * block.expansion) {
        downsample = new Sequential(conv1x1(this.inplanes, p * block.expansion, stride), new BatchNorm2d(p * block.expansion));
      }
      const blocks: Module[] = [new block(this.inplanes, p, { stride, downsample, groups, baseWidth })];
      this.inplanes = p * block.expansion;
      for (let i = 1; i < n; i++) blocks.push(new block(this.inplanes, p, { stride: 1, downsample: null, groups, baseWidth }));
      return new Sequential(...blocks);
    };
    this.layer1 = make(planes[0], layers[0], 1);
    this.layer2 = make(planes[1], layers[1], 2);
    this.layer3 = make(planes[2], layers[2], 2);
    this.layer4 = make(planes[3], layers[3], 2);
    this.fc = new Linear(planes[3] * block.expansion, nc);
    if (!initSkipped()) for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      else if (m instanceof BatchNorm2d) {
        init.ones_(m.weight!);
        init.zeros_(m.bias!);
      }
    }
    if (options.zeroInitResidual) {
      if (!initSkipped()) for (const m of this.modules()) {
        if (m instanceof Bottleneck) init.zeros_(m.bn3.weight!);
        else if (m instanceof BasicBlock) init.zeros_(m.bn2.weight!);
      }
    }
  }

  /** Everything before avgpool: the last feature map (N, C, H/32, W/32). */
  forwardFeatures(x: Tensor): Tensor {
    x = this.maxpool.forward(batchNormReLU(this.bn1, this.relu, this.conv1.forward(x)));
    return this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(x))));
  }

  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.avgpool.forward(this.forwardFeatures(x)).flatten(1));
  }

  headName(): string {
    return "fc";
  }
}

const make = (block: BlockType, layers: number[], extra: ResNetOptions = {}) =>
  (options: ResNetOptions = {}): ResNet => buildModel(() => new ResNet(block, layers, { ...extra, ...options }), options);

/** ResNet-18: 11,689,512 parameters. */
export const resnet18 = make(BasicBlock, [2, 2, 2, 2]);
/** ResNet-34: 21,797,672 parameters. */
export const resnet34 = make(BasicBlock, [3, 4, 6, 3]);
/** ResNet-50: 25,557,032 parameters. */
export const resnet50 = make(Bottleneck, [3, 4, 6, 3]);
/** ResNet-101: 44,549,160 parameters. */
export const resnet101 = make(Bottleneck, [3, 4, 23, 3]);
/** ResNet-152: 60,192,808 parameters. */
export const resnet152 = make(Bottleneck, [3, 8, 36, 3]);
/** ResNeXt-50 32×4d. */
export const resnext50_32x4d = make(Bottleneck, [3, 4, 6, 3], { groups: 32, widthPerGroup: 4 });
/** ResNeXt-101 32×8d. */
export const resnext101_32x8d = make(Bottleneck, [3, 4, 23, 3], { groups: 32, widthPerGroup: 8 });
/** torchvision's Wide ResNet-50-2 (bottleneck width doubled; not Zagoruyko's WRN-d-k, see wide_resnet.ts). */
export const wideResnet50_2 = make(Bottleneck, [3, 4, 6, 3], { widthPerGroup: 128 });
/** torchvision's Wide ResNet-101-2. */
export const wideResnet101_2 = make(Bottleneck, [3, 4, 23, 3], { widthPerGroup: 128 });
