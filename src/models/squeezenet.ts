// SqueezeNet (Iandola et al. 2016) 1.0 and 1.1 as torchvision builds them: Fire modules
// (squeeze 1×1 → expand 1×1 ‖ expand 3×3), a conv classifier (dropout, 1×1 conv to the classes,
// ReLU, global average pool) and torchvision's init (kaiming_uniform_ convs, N(0, 0.01) for the
// final conv, zero biases). 1.1 has 1,235,496 parameters, 1.0 1,248,424.

import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { Dropout } from "../nn/dropout.js";
import * as init from "../nn/init.js";
import { cat } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ImageModelOptions, buildModel, initSkipped, intOption, probOption } from "./util.js";

/** Fire(in, s1x1, e1x1, e3x3): squeeze, then the two expands concatenated (e1x1 + e3x3 channels). */
export class Fire extends Module {
  squeeze: Conv2d;
  squeeze_activation = new ReLU();
  expand1x1: Conv2d;
  expand1x1_activation = new ReLU();
  expand3x3: Conv2d;
  expand3x3_activation = new ReLU();
  constructor(inplanes: number, squeezePlanes: number, expand1x1Planes: number, expand3x3Planes: number) {
    super();
    this.squeeze = new Conv2d(inplanes, squeezePlanes, 1);
    this.expand1x1 = new Conv2d(squeezePlanes, expand1x1Planes, 1);
    this.expand3x3 = new Conv2d(squeezePlanes, expand3x3Planes, 3, { padding: 1 });
  }
  override forward(x: Tensor): Tensor {
    const s = this.squeeze_activation.forward(this.squeeze.forward(x));
    return cat([this.expand1x1_activation.forward(this.expand1x1.forward(s)), this.expand3x3_activation.forward(this.expand3x3.forward(s))], 1);
  }
}

export interface SqueezeNetOptions extends ImageModelOptions {
  /** Dropout before the final conv (default 0.5). */
  dropout?: number;
}

/** torchvision's SqueezeNet: features, classifier (Dropout, final conv, ReLU, AdaptiveAvgPool2d(1)). Any input ≥ 17×17 works. */
export class SqueezeNet extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor(version: "1_0" | "1_1", options: SqueezeNetOptions = {}) {
    super();
    const inC = intOption("squeezenet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("squeezenet", "numClasses", options.numClasses ?? 1000);
    const p = probOption("squeezenet", "dropout", options.dropout ?? 0.5);
    const pool = (): MaxPool2d => new MaxPool2d(3, { stride: 2, ceilMode: true });
    if (version === "1_0") {
      this.features = new Sequential(
        new Conv2d(inC, 96, 7, { stride: 2 }), new ReLU(), pool(),
        new Fire(96, 16, 64, 64), new Fire(128, 16, 64, 64), new Fire(128, 32, 128, 128), pool(),
        new Fire(256, 32, 128, 128), new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), pool(),
        new Fire(512, 64, 256, 256),
      );
    } else if (version === "1_1") {
      this.features = new Sequential(
        new Conv2d(inC, 64, 3, { stride: 2 }), new ReLU(), pool(),
        new Fire(64, 16, 64, 64), new Fire(128, 16, 64, 64), pool(),
        new Fire(128, 32, 128, 128), new Fire(256, 32, 128, 128), pool(),
        new Fire(256, 48, 192, 192), new Fire(384, 48, 192, 192), new Fire(384, 64, 256, 256), new Fire(512, 64, 256, 256),
      );
    } else {
      throw new Error(`squeezenet: unsupported version ${JSON.stringify(version)}; 1_0 or 1_1 expected`);
    }
    const finalConv = new Conv2d(512, nc, 1);
    this.classifier = new Sequential(new Dropout(p), finalConv, new ReLU(), new AdaptiveAvgPool2d([1, 1]));
    if (!initSkipped()) for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        if (m === finalConv) init.normal_(m.weight, 0, 0.01);
        else init.kaimingUniform_(m.weight);
        if (m.bias) init.zeros_(m.bias);
      }
    }
  }
  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x)).flatten(1);
  }
  headName(): string {
    return "classifier.1";
  }
}

/** SqueezeNet 1.0 (AlexNet-level accuracy with 50× fewer parameters). */
export const squeezenet1_0 = (options: SqueezeNetOptions = {}): SqueezeNet => buildModel(() => new SqueezeNet("1_0", options), options);
/** SqueezeNet 1.1 (2.4× less computation than 1.0, same accuracy). */
export const squeezenet1_1 = (options: SqueezeNetOptions = {}): SqueezeNet => buildModel(() => new SqueezeNet("1_1", options), options);
