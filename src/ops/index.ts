// Every op family, loaded (and registered on the Tensor) in one place.

import "./register.js";

export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./shape.js";
export * from "./matmul.js";
export * from "./indexing.js";
export * from "./activation.js";
export * from "./dropout.js";
export * from "./loss.js";
export * from "./penalty.js";
export * from "./conv.js";
export * from "./pool.js";
export * from "./norm.js";
export * from "./resize.js";
export * from "./embedding.js";
export * from "./pool_fractional.js";
export * from "./rnn.js";
