// Parameter: a Tensor that a Module registers as trainable state (torch.nn.Parameter).

import { Tensor } from "../tensor/tensor.js";
import { type DType, type TypedArray } from "../tensor/dtype.js";
import { contiguousStrides } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";

/**
 * A tensor that is a module's parameter: assigning one to a Module property registers it, so it
 * shows up in `parameters()` and `stateDict()`. It shares the given tensor's storage (no copy)
 * and requires grad by default.
 *
 * Args:
 *   data: the tensor whose storage the parameter shares (default: an empty float32 tensor).
 *   requiresGrad: whether the parameter requires gradient (default true).
 *
 * Example:
 *   const w = new nn.Parameter(randn([3, 4]));
 *   w.requiresGrad; // true
 */
export class Parameter extends Tensor {
  constructor(data?: Tensor, requiresGrad = true) {
    if (data !== undefined && !(data instanceof Tensor)) {
      throw new Error(`Parameter: data must be a Tensor, got ${data === null ? "null" : typeof data}`);
    }
    const t = data ?? zeros([0]);
    super(t.storage, t.shape, t.strides, t.offset, t._version);
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return "Parameter containing:\n" + super.toString();
  }
}

/**
 * @internal Point `t` at a fresh contiguous copy of `src`'s elements (which may have another dtype),
 * keeping the object's identity: PyTorch's `param.data = new` swap, used by Module.to(). Shape and
 * dtype are readonly to users; this is the one place allowed to change them. The version counter
 * is bumped so a graph that saved the old values refuses to backward through it.
 */
export function swapData(t: Tensor, src: Tensor): void {
  const m = t as unknown as { storage: TypedArray; shape: readonly number[]; strides: readonly number[]; offset: number; dtype: DType };
  m.storage = src.toArray(); // a copy the parameter owns outright (never aliases another tensor)
  m.shape = Object.freeze(src.shape.slice());
  m.strides = Object.freeze(contiguousStrides(src.shape));
  m.offset = 0;
  m.dtype = src.dtype;
  t._version.v++;
}
