// Kestrel's public entry point.

import "./ops/register.js";
import "./backend/native.js";
import "./backend/wasm/index.js";
import { selectDefaultBackend } from "./backend/backend.js";

selectDefaultBackend();

export { Tensor } from "./tensor/tensor.js";
export type { DType, TypedArray } from "./tensor/dtype.js";
export {
  tensor, zeros, ones, full, empty, arange, linspace, eye, rand, randn, randint, randperm,
  zerosLike, onesLike, fullLike, emptyLike, randLike, randnLike, randintLike,
} from "./tensor/creation.js";
export { manualSeed, getRngState, setRngState, Generator, defaultGenerator } from "./tensor/random.js";
export { noGrad, enableGrad, isGradEnabled } from "./autograd/grad_mode.js";
export { cat, stack } from "./ops/shape.js";
export { where } from "./ops/elementwise.js";
export { backend, setBackend, backendInfo } from "./backend/backend.js";
export * as autograd from "./autograd/index.js";
export * as ops from "./ops/index.js";
export * as F from "./nn/functional.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export * as classic from "./classic/index.js";
export * as train from "./train/index.js";
export * as io from "./io/index.js";
export * as models from "./models/index.js";
export * as text from "./text/index.js";
