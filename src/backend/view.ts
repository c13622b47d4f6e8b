// What a kernel sees of a tensor: a typed array and a strided window into it. The Tensor class
// satisfies this structurally, so kernels never depend on tensor/.

import type { TypedArray } from "../tensor/dtype.js";

export interface ArrayView {
  readonly storage: TypedArray;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}
