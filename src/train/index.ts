// The `train` namespace: the Trainer (fit / evaluate / predict), metrics, and callbacks.

export { Trainer } from "./trainer.js";
export type { TrainerOptions, FitOptions, EvaluateOptions, EvaluateResult, LossFn } from "./trainer.js";
export { Callback, ProgressCallback, History } from "./callback.js";
export type { BatchLogs, EpochLogs, ProgressEvent } from "./callback.js";
export { EarlyStopping, LRSchedulerCallback, GradientClipping } from "./callbacks.js";
export type { EarlyStoppingOptions, LRSchedulerCallbackOptions, GradientClippingOptions } from "./callbacks.js";
export { ModelCheckpoint, SnapshotEnsemble } from "./checkpointing.js";
export type { ModelCheckpointOptions, SnapshotEnsembleOptions } from "./checkpointing.js";
export { ModelEMA } from "./ema.js";
export type { ModelEMAOptions } from "./ema.js";
export { JsonlLogging, TensorBoardLogging } from "./logging.js";
export type { JsonlLoggingOptions, TensorBoardLoggingOptions } from "./logging.js";
export {
  accuracy, topKAccuracy, confusionMatrix, perClassAccuracy, metricFromName,
  Accuracy, TopKAccuracy, Loss, ConfusionMatrix, PerClassAccuracy,
} from "./metrics.js";
export type { Metric } from "./metrics.js";
export { latestCheckpoint } from "./resume.js";
export type { LoaderLike } from "./resume.js";
