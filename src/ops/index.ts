// Every op family, loaded (and registered on the Tensor) in one place.

import "./register.js";

export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./shape.js";
export * from "./matmul.js";
export * from "./indexing.js";
export * from "./activation.js";
