// F: the stateless neural-network functions (torch.nn.functional). Layers in nn/ wrap these.

export { linear } from "../ops/matmul.js";
export { oneHot } from "../ops/indexing.js";
export { relu, addReLU, sigmoid, tanh } from "../ops/elementwise.js";
export * from "../ops/activation.js";
export * from "../ops/dropout.js";
export * from "../ops/loss.js";
export * from "../ops/penalty.js";
export * from "../ops/conv.js";
export * from "../ops/pool.js";
export * from "../ops/norm.js";
export * from "../ops/resize.js";
export * from "../ops/embedding.js";
export * from "../ops/pool_fractional.js";
export { stochasticDepth, dropPath, dropConnectLinear } from "./regularization.js";
export { padSequence, lengthsToMask, temporalAffine, temporalSoftmaxLoss } from "./sequence.js";
