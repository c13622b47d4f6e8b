// LeNet-5 (LeCun et al. 1998): CONV-POOL-CONV-POOL-FC-FC-FC with 5×5 convs and 2×2 pools.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { ReLU, Tanh } from "../nn/activation.js";
import { MaxPool2d, AvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelOptions, buildModel, intOption } from "./util.js";

export interface LeNet5Options extends ModelOptions {
  /** Input height = width (default 32 as in the paper; 28 pads conv1 by 2 so the maps stay 28→14→10→5). */
  inputSize?: number;
  /** "relu" (default, modern) or "tanh" (closer to the original's squashing function). */
  activation?: "relu" | "tanh";
  /** "max" (default) or "avg" (the original's subsampling layers, without their trainable scale). */
  pool?: "max" | "avg";
}

/**
 * LeNet-5: conv5×5(→6), pool2, conv5×5(6→16), pool2, fc(16·5·5→120), fc(120→84), fc(84→numClasses).
 * Keys: features.{0,3}, classifier.{0,2,4}. Defaults: numClasses 10, inChannels 1, inputSize 32.
 */
export class LeNet5 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(options: LeNet5Options = {}) {
    super();
    const inC = intOption("lenet5", "inChannels", options.inChannels ?? 1);
    const nc = intOption("lenet5", "numClasses", options.numClasses ?? 10);
    const s = intOption("lenet5", "inputSize", options.inputSize ?? 32, 12);
    const act = (): Module => (options.activation === "tanh" ? new Tanh() : new ReLU());
    const pool = (): Module => (options.pool === "avg" ? new AvgPool2d(2) : new MaxPool2d(2));
    const pad = s < 32 ? Math.ceil((32 - s) / 2) : 0; // 28×28 → padding 2, the usual MNIST setup
    const f = Math.floor((Math.floor((s + 2 * pad - 4) / 2) - 4) / 2);
    this.features = new Sequential(
      new Conv2d(inC, 6, 5, { padding: pad }), act(), pool(),
      new Conv2d(6, 16, 5), act(), pool(),
    );
    this.classifier = new Sequential(new Linear(16 * f * f, 120), act(), new Linear(120, 84), act(), new Linear(84, nc));
  }
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

/** LeNet-5 (see LeNet5). */
export function lenet5(options: LeNet5Options = {}): LeNet5 {
  return buildModel(() => new LeNet5(options), options);
}
