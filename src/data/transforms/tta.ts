// Test-time augmentation: run a model on several crops of each image (FiveCrop / TenCrop) and
// average its predictions, as AlexNet and the ResNet paper's 10-crop testing do.

import { Tensor } from "../../tensor/tensor.js";
import type { Generator } from "../../tensor/random.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { softmax } from "../../ops/activation.js";
import { mean } from "../../ops/reduce.js";
import { reshape, stack } from "../../ops/shape.js";
import { type ImageOrTensor, type Transform, describe, isImageLike } from "./common.js";
import { toTensor } from "./convert.js";

/** Anything that maps a batch [B, C, H, W] to scores [B, K]: an nn.Module or a plain function. */
export type Predictor = ((x: Tensor) => Tensor) | { forward(x: Tensor): Tensor };

export interface AverageOptions {
  /**
   * "softmax" (default): average the class probabilities, as AlexNet's 10-crop test does;
   * "logits": average the raw outputs (torchvision's TenCrop example).
   */
  average?: "softmax" | "logits";
}

function callModel(model: Predictor, x: Tensor): Tensor {
  const out = typeof model === "function" ? model(x) : model.forward(x);
  if (!(out instanceof Tensor)) throw new Error(`averageOverCrops: the model returned ${describe(out)}; expected a tensor [B, K]`);
  return out;
}

/**
 * Average a model's predictions over crops. `crops` is [N, ncrops, C, H, W] (a batch of images,
 * each with its crops) → [N, K]; or one image's crops as [ncrops, C, H, W] or an array of
 * [C, H, W] tensors → [K]. Runs under noGrad in one forward pass of N·ncrops images; puts no
 * module in eval mode (call model.eval() first).
 */
export function averageOverCrops(model: Predictor, crops: Tensor | readonly Tensor[], opts: AverageOptions = {}): Tensor {
  const mode = opts.average ?? "softmax";
  if (mode !== "softmax" && mode !== "logits") throw new Error(`averageOverCrops: average must be "softmax" or "logits"; got ${JSON.stringify(mode)}`);
  return noGrad(() => {
    let x: Tensor;
    if (Array.isArray(crops)) {
      if (crops.length === 0) throw new Error("averageOverCrops: got an empty list of crops");
      crops.forEach((c, i) => {
        if (!(c instanceof Tensor) || c.ndim !== 3) throw new Error(`averageOverCrops: crop ${i} should be a tensor [C, H, W] (apply ToTensor to each crop); got ${describe(c)}`);
      });
      x = stack(crops as Tensor[], 0).unsqueeze(0);
    } else if (crops instanceof Tensor && (crops.ndim === 4 || crops.ndim === 5)) {
      x = crops.ndim === 4 ? crops.unsqueeze(0) : crops;
    } else {
      throw new Error(`averageOverCrops: crops should be a tensor [N, ncrops, C, H, W] or [ncrops, C, H, W], or an array of [C, H, W] tensors; got ${describe(crops)}`);
    }
    const [n, k] = x.shape;
    const out = callModel(model, reshape(x, [n * k, ...x.shape.slice(2)]));
    if (out.ndim !== 2 || out.shape[0] !== n * k) throw new Error(`averageOverCrops: the model should return [${n * k}, K] for ${n * k} crops; got [${out.shape.join(", ")}]`);
    const scores = mode === "softmax" ? softmax(out, 1) : out;
    const avg = mean(reshape(scores, [n, k, out.shape[1]]), 1);
    return Array.isArray(crops) || (crops as Tensor).ndim === 4 ? reshape(avg, [out.shape[1]]) : avg;
  });
}

/**
 * Test-time augmentation of one input: `crops(input)` gives an array of crops (e.g. TenCrop(224)),
 * each becomes a tensor (Images via ToTensor, then `perCrop`, e.g. Normalize), and the model's
 * averaged prediction [K] is returned.
 * @example tta(model, img, transforms.TenCrop(224), { perCrop: transforms.Normalize(mean, std) })
 */
export function tta(model: Predictor, input: ImageOrTensor, crops: Transform<ImageOrTensor, ImageOrTensor[]>, opts: AverageOptions & { perCrop?: Transform<Tensor, Tensor>; generator?: Generator } = {}): Tensor {
  const list = crops(input, opts.generator);
  if (!Array.isArray(list)) throw new Error(`tta: the crop transform should return an array of crops (like TenCrop); got ${describe(list)}`);
  const tensors = list.map((c) => {
    const t = isImageLike(c) ? toTensor(c) : (c as Tensor);
    return opts.perCrop ? opts.perCrop(t, opts.generator) : t;
  });
  return averageOverCrops(model, tensors, opts);
}
