// The reference CNN of the course (and of `kestrel train`'s default): two conv-BN-ReLU-pool
// stages and a two-layer classifier. Small enough to train on Fashion-MNIST on a laptop CPU.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d } from "../nn/norm.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import { Flatten } from "../nn/misc.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelOptions, buildModel, intOption } from "./util.js";

export interface SimpleCnnOptions extends ModelOptions {
  /** Input height = width (default 28); must be divisible by 4. */
  inputSize?: number;
  /** Dropout before the last layer (default 0.25). */
  dropout?: number;
}

/**
 * The reference CNN: conv3×3(→32, pad 1)+BN+ReLU+maxpool2, conv3×3(32→64, pad 1)+BN+ReLU+maxpool2,
 * flatten, linear(64·(S/4)²→128)+ReLU, dropout, linear(→numClasses). Keys: features.0.weight, ...,
 * classifier.3.weight.
 */
export class SimpleCNN extends Module {
  features: Sequential;
  flatten = new Flatten();
  classifier: Sequential;
  constructor(options: SimpleCnnOptions = {}) {
    super();
    const inC = intOption("simpleCnn", "inChannels", options.inChannels ?? 1);
    const nc = intOption("simpleCnn", "numClasses", options.numClasses ?? 10);
    const s = intOption("simpleCnn", "inputSize", options.inputSize ?? 28);
    if (s % 4 !== 0) throw new Error(`simpleCnn: inputSize must be divisible by 4 (two 2×2 pools), got ${s}`);
    this.features = new Sequential(
      new Conv2d(inC, 32, 3, { padding: 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
      new Conv2d(32, 64, 3, { padding: 1 }), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
    );
    this.classifier = new Sequential(
      new Linear(64 * (s / 4) * (s / 4), 128), new ReLU(), new Dropout(options.dropout ?? 0.25), new Linear(128, nc),
    );
  }
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.flatten.forward(this.features.forward(x)));
  }
}

/** The reference CNN (see SimpleCNN); `weights` loads a safetensors state dict strictly. */
export function simpleCnn(options: SimpleCnnOptions = {}): SimpleCNN {
  return buildModel(() => new SimpleCNN(options), options);
}
