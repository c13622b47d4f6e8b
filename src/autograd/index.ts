// The autograd namespace of the public API.

export { backward, grad } from "./engine.js";
export { gradcheck, type GradcheckOptions, type GradcheckResult } from "./gradcheck.js";
export { Function, FunctionCtx } from "./function.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad_mode.js";
