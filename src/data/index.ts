// The `data` namespace: datasets, the DataLoader, and transforms.

export * as transforms from "./transforms/index.js";
export * as datasets from "./datasets/index.js";
export type { Image } from "./image.js";
export { isImage, makeImage } from "./image.js";
export { TensorDataset, Subset, ConcatDataset, randomSplit } from "./dataset.js";
export type { Dataset } from "./dataset.js";
export { DataLoader } from "./loader.js";
export type { DataLoaderOptions } from "./loader.js";
export { SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from "./sampler.js";
export type { Sampler, RandomSamplerOptions } from "./sampler.js";
export { defaultCollate } from "./collate.js";
export type { WorkerSource } from "./spec.js";
export { parseIdx, encodeIdx } from "./formats/idx.js";
export type { IdxArray } from "./formats/idx.js";
export { parseCifar, encodeCifar } from "./formats/cifar.js";
export { decodeImage } from "./formats/decode.js";
export type { ImageDecoder } from "./formats/decode.js";
