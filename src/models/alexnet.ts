// AlexNet (Krizhevsky et al. 2012): torchvision's variant, the original with local response
// normalisation, and ZFNet (Zeiler & Fergus 2013), AlexNet with a 7×7/2 first conv and wider
// conv3–5. All three share torchvision's layout: features (Sequential), avgpool
// (AdaptiveAvgPool2d(6)), classifier (Sequential with dropout), so their keys read the same way.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { LocalResponseNorm } from "../nn/norm.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ImageModelOptions, buildModel, intOption, probOption, useSmallInput } from "./util.js";

export interface AlexNetOptions extends ImageModelOptions {
  /** Dropout in the classifier (default 0.5). */
  dropout?: number;
}

/** features → avgpool(6×6) → flatten → classifier; the classifier is torchvision's. */
export class AlexNet extends Module {
  features: Sequential;
  avgpool = new AdaptiveAvgPool2d([6, 6]);
  classifier: Sequential;
  constructor(features: Sequential, lastChannels: number, numClasses: number, dropout: number) {
    super();
    this.features = features;
    this.classifier = new Sequential(
      new Dropout(dropout), new Linear(lastChannels * 36, 4096), new ReLU(),
      new Dropout(dropout), new Linear(4096, 4096), new ReLU(),
      new Linear(4096, numClasses),
    );
  }
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
  /** Dotted name of the classification layer (replaceHead uses it). */
  headName(): string {
    return "classifier.6";
  }
}

function common(name: string, o: AlexNetOptions): { inC: number; nc: number; p: number; small: boolean } {
  return {
    inC: intOption(name, "inChannels", o.inChannels ?? 3),
    nc: intOption(name, "numClasses", o.numClasses ?? 1000),
    p: probOption(name, "dropout", o.dropout ?? 0.5),
    small: useSmallInput(o),
  };
}

/**
 * torchvision's AlexNet (64-192-384-256-256 filters, no LRN; 61,100,840 parameters). Needs
 * inputs ≥ 63×63; with a small input (inputSize < 64) conv1 becomes 3×3 stride 1 padding 1.
 */
export function alexnet(options: AlexNetOptions = {}): AlexNet {
  const { inC, nc, p, small } = common("alexnet", options);
  const features = (): Sequential => new Sequential(
    small ? new Conv2d(inC, 64, 3, { padding: 1 }) : new Conv2d(inC, 64, 11, { stride: 4, padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(64, 192, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(192, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(),
    new Conv2d(256, 256, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
  );
  return buildModel(() => new AlexNet(features(), 256, nc, p), options);
}

export interface AlexNetOriginalOptions extends AlexNetOptions {
  /** The paper's two-GPU split: conv2, conv4, conv5 with groups = 2 (default false: one tower, as CS231n draws it). */
  grouped?: boolean;
}

/**
 * The original AlexNet: 96-256-384-384-256 filters, conv1 11×11 stride 4 without padding (227×227
 * → 55×55×96, 34,944 parameters), ReLU, LRN (size 5, α 1e-4, β 0.75, k 2) after conv1 and conv2,
 * overlapping 3×3/2 max-pools. Small input: conv1 3×3 stride 1 padding 1.
 */
export function alexnetOriginal(options: AlexNetOriginalOptions = {}): AlexNet {
  const { inC, nc, p, small } = common("alexnetOriginal", options);
  const g = options.grouped ? 2 : 1;
  const lrn = (): LocalResponseNorm => new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
  const features = (): Sequential => new Sequential(
    small ? new Conv2d(inC, 96, 3, { padding: 1 }) : new Conv2d(inC, 96, 11, { stride: 4 }), new ReLU(), lrn(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(96, 256, 5, { padding: 2, groups: g }), new ReLU(), lrn(), new MaxPool2d(3, { stride: 2 }),
    new Conv2d(256, 384, 3, { padding: 1 }), new ReLU(),
    new Conv2d(384, 384, 3, { padding: 1, groups: g }), new ReLU(),
    new Conv2d(384, 256, 3, { padding: 1, groups: g }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
  );
  return buildModel(() => new AlexNet(features(), 256, nc, p), options);
}

/**
 * ZFNet: conv1 7×7 stride 2 (96 filters; 224 → 110 → pool 55), conv2 5×5 stride 2 (256; → 26 →
 * pool 13), conv3–5 with 512, 1024, 512 filters, pool → 6×6, LRN after conv1 and conv2 as in the
 * paper's contrast normalisation. Small input: conv1 3×3 stride 1 and conv2 stride 1.
 */
export function zfnet(options: AlexNetOptions = {}): AlexNet {
  const { inC, nc, p, small } = common("zfnet", options);
  const lrn = (): LocalResponseNorm => new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
  const features = (): Sequential => new Sequential(
    small ? new Conv2d(inC, 96, 3, { padding: 1 }) : new Conv2d(inC, 96, 7, { stride: 2, padding: 1 }), new ReLU(), lrn(), new MaxPool2d(3, { stride: 2, padding: 1 }),
    small ? new Conv2d(96, 256, 5, { padding: 2 }) : new Conv2d(96, 256, 5, { stride: 2 }), new ReLU(), lrn(), new MaxPool2d(3, { stride: 2, padding: 1 }),
    new Conv2d(256, 512, 3, { padding: 1 }), new ReLU(),
    new Conv2d(512, 1024, 3, { padding: 1 }), new ReLU(),
    new Conv2d(1024, 512, 3, { padding: 1 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
  );
  return buildModel(() => new AlexNet(features(), 512, nc, p), options);
}
