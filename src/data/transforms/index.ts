// data.transforms: image and tensor transforms, all seeded (torchvision.transforms in camelCase).
//
// A transform is a plain function `(input, generator?) => output`, built by a factory named like
// torchvision's class:
//
//   const train = transforms.Compose([
//     transforms.RandomCrop(32, { padding: 4 }),
//     transforms.RandomHorizontalFlip(),
//     transforms.ToTensor(),
//     transforms.Normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
//   ]);
//   const x = train(image);            // Image (HWC uint8) → float32 [3, 32, 32]
//
// Randomness. Every random transform draws from, in order of preference:
//   1. the Generator passed in the call, `t(x, gen)` (Compose hands it to each stage);
//   2. the `generator` in the transform's options, `RandomCrop(32, { generator })`;
//   3. the library's defaultGenerator, so `manualSeed(s)` makes a pipeline repeatable.
// The DataLoader relies on 3: for each sample it re-seeds the global generator from
// (base seed, epoch, index) around `dataset.get(i)` (src/data/seed.ts, withSeed), so a sample's
// augmentation is the same with 0 or N workers. A transform given its own generator (2) opts
// out of that per-sample seeding. Draws follow torchvision's order (e.g. RandomCrop draws the
// top then the left offset; no draw when the crop is the whole image).
//
// Inputs. Geometric transforms (Resize, crops, Pad, flips, RandomResizedCrop, RandomScaleCrop,
// FiveCrop/TenCrop, rotation, affine) and the color ones (ColorJitter and adjust*, Lighting)
// take an Image or a Tensor [..., C, H, W] (float32/float64, or int32 treated like uint8 in
// 0..255) and return the same kind: an Image matches torchvision on a uint8 tensor, a float
// tensor matches torchvision on a float tensor. ToTensor/PILToTensor take Images only;
// Normalize, SubtractMeanImage and RandomErasing(value "random") take float tensors.
// Outputs never alias the input's storage (a transform that does nothing may return its input).

export type { Transform, ImageOrTensor, RandomOptions, Image } from "./common.js";
import * as convert from "./convert.js";
import * as geometric from "./geometric.js";
import * as color from "./color.js";
import * as affine from "./affine.js";
import * as erasing from "./erasing.js";

/**
 * Each transform a factory returns carries `spec = { name, args }`, so DataLoader workers can
 * rebuild a pipeline by calling the same factory with the same arguments (see data/spec.ts).
 */
function describable<A extends unknown[], R>(name: string, factory: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    const t = factory(...args);
    if (typeof t === "function") Object.defineProperty(t, "spec", { value: { name, args }, enumerable: false, writable: true, configurable: true });
    return t;
  };
}

export const Compose = describable("Compose", convert.Compose);
export const Lambda = convert.Lambda; // wraps an arbitrary function: not describable
export const RandomApply = describable("RandomApply", convert.RandomApply);
export const RandomChoice = describable("RandomChoice", convert.RandomChoice);
export const RandomOrder = describable("RandomOrder", convert.RandomOrder);
export const ToTensor = describable("ToTensor", convert.ToTensor);
export const PILToTensor = describable("PILToTensor", convert.PILToTensor);
export const ToImage = describable("ToImage", convert.ToImage);
export const Normalize = describable("Normalize", convert.Normalize);
export const SubtractMeanImage = describable("SubtractMeanImage", convert.SubtractMeanImage);
export const Resize = describable("Resize", geometric.Resize);
export const CenterCrop = describable("CenterCrop", geometric.CenterCrop);
export const Pad = describable("Pad", geometric.Pad);
export const RandomCrop = describable("RandomCrop", geometric.RandomCrop);
export const RandomHorizontalFlip = describable("RandomHorizontalFlip", geometric.RandomHorizontalFlip);
export const RandomVerticalFlip = describable("RandomVerticalFlip", geometric.RandomVerticalFlip);
export const RandomResizedCrop = describable("RandomResizedCrop", geometric.RandomResizedCrop);
export const RandomScaleCrop = describable("RandomScaleCrop", geometric.RandomScaleCrop);
export const FiveCrop = describable("FiveCrop", geometric.FiveCrop);
export const TenCrop = describable("TenCrop", geometric.TenCrop);
export const ColorJitter = describable("ColorJitter", color.ColorJitter);
export const Lighting = describable("Lighting", color.Lighting);
export const RandomRotation = describable("RandomRotation", affine.RandomRotation);
export const RandomAffine = describable("RandomAffine", affine.RandomAffine);
export const RandomErasing = describable("RandomErasing", erasing.RandomErasing);
export { randomCropParams, randomResizedCropParams } from "./geometric.js";
export type { RandomCropOptions, RandomResizedCropOptions, RandomScaleCropOptions } from "./geometric.js";
export { IMAGENET_PCA } from "./color.js";
export type { ColorJitterOptions } from "./color.js";
export { randomAffineParams } from "./affine.js";
export type { RandomRotationOptions, RandomAffineOptions } from "./affine.js";
export { randomErasingParams } from "./erasing.js";
export type { RandomErasingOptions } from "./erasing.js";
export { computeMeanStd, computeMeanImage, computePCALighting, symmetricEigen } from "./stats.js";
export type { MeanStd, PCALighting, DatasetLike } from "./stats.js";
export { averageOverCrops, tta } from "./tta.js";
export type { Predictor, AverageOptions } from "./tta.js";
/** Deterministic functions (torchvision.transforms.functional): crop, resize, rotate, adjustHue, ... */
export * as functional from "./functional.js";
