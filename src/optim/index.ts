// The `optim` namespace: optimizers (one file each), learning-rate schedulers, gradient clipping.

export { Optimizer } from "./optimizer.js";
export type { BaseOptions, ParamGroup, ParamGroupInput, Params, Closure, ParamState, OptimizerStateDict } from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDOptions } from "./sgd.js";
export { Adam } from "./adam.js";
export type { AdamOptions } from "./adam.js";
export { AdamW } from "./adamw.js";
export type { AdamWOptions } from "./adamw.js";
export { Adagrad } from "./adagrad.js";
export type { AdagradOptions } from "./adagrad.js";
export { RMSprop } from "./rmsprop.js";
export type { RMSpropOptions } from "./rmsprop.js";
export { LBFGS } from "./lbfgs.js";
export type { LBFGSOptions } from "./lbfgs.js";
export * as lrScheduler from "./lr_scheduler.js";
export { clipGradNorm_, clipGradValue_ } from "./clip.js";
export type { ClipGradNormOptions } from "./clip.js";
