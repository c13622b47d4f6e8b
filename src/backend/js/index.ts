// The reference kernel set: one import per kernel family.

import { gemm } from "./gemm.js";
import { unary, unaryKernel, binary, binaryKernel, assignKernel } from "./elementwise.js";
import { reduceLast, reduceMiddle } from "./reduce.js";
import { convKernels } from "./conv.js";
import { poolKernels } from "./pool.js";
import { normKernels } from "./norm.js";
import { optimKernels } from "./optim.js";

export const jsKernels = {
  gemm,
  unary,
  unaryKernel,
  binary,
  binaryKernel,
  assignKernel,
  reduceLast,
  reduceMiddle,
  ...convKernels,
  ...poolKernels,
  ...normKernels,
  ...optimKernels,
};
