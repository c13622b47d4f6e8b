// The `optim.lrScheduler` namespace: every learning-rate scheduler (PyTorch's torch.optim.lr_scheduler).

export {
  LRScheduler, LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
  CosineAnnealingLR,
} from "./scheduler.js";
export type { AnyOptimizer } from "./scheduler.js";
export { OneCycleLR, CosineAnnealingWarmRestarts, SequentialLR, ReduceLROnPlateau } from "./scheduler_cyclic.js";
export type { OneCycleLROptions, ReduceLROnPlateauOptions } from "./scheduler_cyclic.js";
