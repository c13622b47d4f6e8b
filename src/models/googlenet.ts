// GoogLeNet / Inception v1 (Szegedy et al. 2014) with torchvision's names, widths, init and
// options. Two torchvision details kept for weight compatibility: the "5×5" branches use 3×3
// kernels (a known torchvision bug, 6,624,904 parameters without aux), and every conv is
// followed by batch norm (eps 0.001). transformInput defaults to false, as torchvision's when no
// weights are requested: it re-normalises inputs from ImageNet's mean/std to the (x − 0.5)/0.5
// that Google's original weights expect, which our inputs (already normalised however the data
// pipeline chose) do not need. Set it to true only with the ported Google weights.

import { Module } from "../nn/module.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d } from "../nn/norm.js";
import { MaxPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import { Identity } from "../nn/misc.js";
import * as init from "../nn/init.js";
import { cat, select } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { BasicConv2d, Inception, InceptionAux } from "./inception.js";
import { type ImageModelOptions, buildModel, initSkipped, intOption, probOption, useSmallInput } from "./util.js";

export interface GoogLeNetOptions extends ImageModelOptions {
  /** Build the two auxiliary classifiers (aux1 after 4a, aux2 after 4d; default false, like torchvision's pretrained model). */
  auxLogits?: boolean;
  /** Re-normalise ImageNet-normalised RGB input to [−1, 1] (default false; needs 3 channels). */
  transformInput?: boolean;
  /** Dropout before fc (default 0.2) and in the aux classifiers (default 0.7). */
  dropout?: number;
  dropoutAux?: number;
  /** Apply torchvision's init: truncated normal std 0.01 for convs and linears (default true). */
  initWeights?: boolean;
}

/** In training mode with aux classifiers, forward returns all three outputs (torchvision's GoogLeNetOutputs). */
export interface GoogLeNetOutputs {
  logits: Tensor;
  auxLogits2: Tensor;
  auxLogits1: Tensor;
}

/**
 * torchvision's GoogLeNet. Small input (inputSize < 64): conv1 is 3×3 stride 1 and maxpool1 /
 * maxpool2 are identities, so 32×32 reaches the Inception stages at 32×32 (keys unchanged).
 */
export class GoogLeNet extends Module {
  readonly transformInput: boolean;
  conv1: BasicConv2d;
  maxpool1: Module;
  conv2: BasicConv2d;
  conv3: BasicConv2d;
  maxpool2: Module;
  inception3a = new Inception(192, 64, 96, 128, 16, 32, 32);
  inception3b = new Inception(256, 128, 128, 192, 32, 96, 64);
  maxpool3 = new MaxPool2d(3, { stride: 2, ceilMode: true });
  inception4a = new Inception(480, 192, 96, 208, 16, 48, 64);
  inception4b = new Inception(512, 160, 112, 224, 24, 64, 64);
  inception4c = new Inception(512, 128, 128, 256, 24, 64, 64);
  inception4d = new Inception(512, 112, 144, 288, 32, 64, 64);
  inception4e = new Inception(528, 256, 160, 320, 32, 128, 128);
  maxpool4 = new MaxPool2d(2, { stride: 2, ceilMode: true });
  inception5a = new Inception(832, 256, 160, 320, 32, 128, 128);
  inception5b = new Inception(832, 384, 192, 384, 48, 128, 128);
  aux1: InceptionAux | null;
  aux2: InceptionAux | null;
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  dropout: Dropout;
  fc: Linear;

  constructor(options: GoogLeNetOptions = {}) {
    super();
    const inC = intOption("googlenet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("googlenet", "numClasses", options.numClasses ?? 1000);
    this.transformInput = options.transformInput ?? false;
    if (this.transformInput && inC !== 3) throw new Error(`googlenet: transformInput needs 3 input channels, got inChannels=${inC}`);
    const small = useSmallInput(options);
    this.conv1 = small ? new BasicConv2d(inC, 64, 3, { padding: 1 }) : new BasicConv2d(inC, 64, 7, { stride: 2, padding: 3 });
    this.maxpool1 = small ? new Identity() : new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.conv2 = new BasicConv2d(64, 64, 1);
    this.conv3 = new BasicConv2d(64, 192, 3, { padding: 1 });
    this.maxpool2 = small ? new Identity() : new MaxPool2d(3, { stride: 2, ceilMode: true });
    const aux = options.auxLogits ?? false;
    const pAux = probOption("googlenet", "dropoutAux", options.dropoutAux ?? 0.7);
    this.aux1 = aux ? new InceptionAux(512, nc, pAux) : null;
    this.aux2 = aux ? new InceptionAux(528, nc, pAux) : null;
    this.dropout = new Dropout(probOption("googlenet", "dropout", options.dropout ?? 0.2));
    this.fc = new Linear(1024, nc);
    if (options.initWeights ?? true) {
      if (!initSkipped()) for (const m of this.modules()) {
        if (m instanceof Conv2d || m instanceof Linear) init.truncNormal_(m.weight, { mean: 0, std: 0.01, a: -2, b: 2 });
        else if (m instanceof BatchNorm2d) {
          init.ones_(m.weight!);
          init.zeros_(m.bias!);
        }
      }
    }
  }

  private transform(x: Tensor): Tensor {
    if (!this.transformInput) return x;
    const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
    const chans = [0, 1, 2].map((c) => select(x, 1, c).unsqueeze(1).mul(std[c] / 0.5).add((mean[c] - 0.5) / 0.5));
    return cat(chans, 1);
  }

  override forward(input: Tensor): Tensor | GoogLeNetOutputs {
    let x = this.transform(input);
    x = this.maxpool1.forward(this.conv1.forward(x));
    x = this.maxpool2.forward(this.conv3.forward(this.conv2.forward(x)));
    x = this.maxpool3.forward(this.inception3b.forward(this.inception3a.forward(x)));
    x = this.inception4a.forward(x);
    const useAux = this.training && this.aux1 !== null && this.aux2 !== null;
    const a1 = useAux ? this.aux1!.forward(x) : null;
    x = this.inception4d.forward(this.inception4c.forward(this.inception4b.forward(x)));
    const a2 = useAux ? this.aux2!.forward(x) : null;
    x = this.maxpool4.forward(this.inception4e.forward(x));
    x = this.inception5b.forward(this.inception5a.forward(x));
    const logits = this.fc.forward(this.dropout.forward(this.avgpool.forward(x).flatten(1)));
    return useAux ? { logits, auxLogits2: a2!, auxLogits1: a1! } : logits;
  }

  headName(): string {
    return "fc";
  }
}

/** GoogLeNet (torchvision's; see GoogLeNet for the options and the small-input stem). */
export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return buildModel(() => new GoogLeNet(options), options);
}
