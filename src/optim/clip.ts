// Gradient clipping lives with nn (torch.nn.utils); optim re-exports it for convenience.
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from "../nn/utils.js";
