// The `nn` namespace of the public API: Module, Parameter, containers, layers, losses, init.

export { Module } from "./module.js";
export type { ForwardHook, ForwardPreHook, RemovableHandle, LoadStateDictResult, StateDict } from "./module.js";
export { Parameter } from "./parameter.js";
export { Sequential, ModuleList, ModuleDict } from "./containers.js";
export * as init from "./init.js";
export * as functional from "./functional.js";
export { Linear } from "./linear.js";
export type { LinearOptions } from "./linear.js";
export { Conv2d, ConvTranspose2d } from "./conv.js";
export type { Conv2dOptions, ConvTranspose2dOptions, PaddingMode } from "./conv.js";
export { MaxPool2d, MaxUnpool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d } from "./pool.js";
export type { MaxPool2dOptions, AvgPool2dOptions, AdaptiveSize, PoolWithIndices } from "./pool.js";
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm2d, LayerNorm, GroupNorm, LocalResponseNorm, batchNormReLU } from "./norm.js";
export type { BatchNormOptions } from "./norm.js";
export { Dropout, Dropout2d } from "./dropout.js";
export {
  ReLU, addReLU, LeakyReLU, PReLU, ELU, CELU, SELU, Hardtanh, ReLU6, Sigmoid, Tanh, LogSigmoid, SiLU, Mish, GELU, Softplus,
  Softmax, LogSoftmax, Maxout,
} from "./activation.js";
export { Flatten, Unflatten, Identity, Embedding } from "./misc.js";
export type { EmbeddingOptions } from "./misc.js";
export {
  Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, ConstantPad2d, ZeroPad2d, ReflectionPad2d, ReplicationPad2d,
} from "./resize.js";
export type { UpsampleOptions } from "./resize.js";
export {
  CrossEntropyLoss, NLLLoss, MultiMarginLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
} from "./loss.js";
export * as utils from "./utils.js";
export { StochasticDepth, DropConnectLinear, FractionalMaxPool2d, Ensemble } from "./regularization.js";
export * from "./rnn.js";
