// Dropout (Srivastava et al. 2014), inverted as in PyTorch: while training, each unit is kept
// with probability 1 − p and scaled by 1/(1 − p), so nothing changes at test time. The masks
// come from the one seedable generator, so manualSeed(s) repeats them.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { defaultGenerator } from "../tensor/random.js";
import { checkFloat, checkTensor } from "./util.js";
import { mul } from "./elementwise.js";

function checkP(opName: string, p: number): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new Error(`${opName}: dropout probability has to be between 0 and 1, got ${p}`);
  }
}

/**
 * A mask of `shape` (row-major), each entry 1/(1 − p) with probability 1 − p and 0 otherwise.
 * Multiplying by it keeps the graph simple: the gradient is mask · g.
 */
function bernoulliMask(x: Tensor, shape: readonly number[], p: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const mask = allocate(x.dtype, n);
  const keep = 1 - p;
  const scale = 1 / keep;
  for (let i = 0; i < n; i++) mask[i] = defaultGenerator.random() < keep ? scale : 0;
  return Tensor.fromData(mask, shape);
}

/**
 * Inverted dropout. While `training` (default true) each element is zeroed with probability
 * `p` (default 0.5) and the survivors are multiplied by 1/(1 − p); otherwise, or when p = 0,
 * x itself is returned. p = 1 gives zeros.
 *
 * Example: `manualSeed(0); const y = F.dropout(x, 0.2, model.training);`
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkTensor("dropout", x);
  checkFloat("dropout", x);
  checkP("dropout", p);
  if (!training || p === 0 || x.size === 0) return x;
  if (p === 1) return mul(x, 0); // like PyTorch: zeros, still connected to the graph
  return mul(x, bernoulliMask(x, x.shape, p));
}

/**
 * Channel-wise ("spatial") dropout: zero whole feature maps. `spatialDims` is how many trailing
 * dims make up one channel's map; inputs are batched [N, C, ...] or unbatched [C, ...].
 */
function featureDropout(opName: string, x: Tensor, p: number, training: boolean, spatialDims: number): Tensor {
  checkTensor(opName, x);
  checkFloat(opName, x);
  checkP(opName, p);
  const unbatched = spatialDims + 1;
  if (x.ndim !== unbatched && x.ndim !== unbatched + 1) {
    const names = ["L", "H, W", "D, H, W"][spatialDims - 1];
    throw new Error(`${opName}: expected a ${unbatched + 1}-d input [N, C, ${names}] or a ${unbatched}-d input [C, ${names}], got shape ${fmtShape(x.shape)}`);
  }
  if (!training || p === 0 || x.size === 0) return x;
  if (p === 1) return mul(x, 0);
  // One draw per (sample, channel), broadcast over that channel's map.
  const lead = x.ndim - spatialDims;
  const maskShape = x.shape.map((s, i) => (i < lead ? s : 1));
  return mul(x, bernoulliMask(x, maskShape, p));
}

/** Zero whole channels of [N, C, L] or [C, L] inputs with probability p, scaling the rest by 1/(1 − p). */
export function dropout1d(x: Tensor, p = 0.5, training = true): Tensor {
  return featureDropout("dropout1d", x, p, training, 1);
}

/**
 * Zero whole channels (feature maps) of [N, C, H, W] or unbatched [C, H, W] inputs with
 * probability p, scaling the rest by 1/(1 − p). (PyTorch 1.13 still read a 3-d input as
 * [N, C, L], with a deprecation warning; we follow the documented [C, H, W].)
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  return featureDropout("dropout2d", x, p, training, 2);
}

/** Zero whole channels of [N, C, D, H, W] or [C, D, H, W] inputs with probability p. */
export function dropout3d(x: Tensor, p = 0.5, training = true): Tensor {
  return featureDropout("dropout3d", x, p, training, 3);
}
