// Reference optimizer kernels: the element loops of the optimizers, so a fast backend can run
// them natively. Same arithmetic, in the same order, as PyTorch 1.13's single-tensor updates
// (float64 parameters match PyTorch to ~1e-15; float32 ones round at every store, as PyTorch).

import type { TypedArray } from "../../tensor/dtype.js";

/**
 * One Adam/AdamW update of n contiguous elements in place. `h` packs the step's
 * hyper-parameters (a Float64Array is cheap to hand to native code): [beta1, beta2,
 * stepSize = lr/(1−β1^t), bias2Sqrt = √(1−β2^t), eps, weightDecay, decay = 1 − lr·wd,
 * decoupled (0/1), maximize (0/1)].
 *   g ← ±g (+ wd·p unless decoupled; decoupled: p ← p·decay),  m ← β1·m + (1−β1)·g,
 *   v ← β2·v + (1−β2)·g·g,  vmax ← max(vmax, v) (AMSGrad, when vmax is given),
 *   p ← p − stepSize · m / (√v̂ / bias2Sqrt + eps).
 */
export function adamStep(
  n: number, h: Float64Array,
  p: TypedArray, pOff: number, g: TypedArray, gOff: number,
  m: TypedArray, mOff: number, v: TypedArray, vOff: number,
  vmax: TypedArray | null, vmaxOff: number,
): void {
  const beta1 = h[0], beta2 = h[1], stepSize = h[2], bias2Sqrt = h[3], eps = h[4], weightDecay = h[5], decay = h[6];
  const decoupled = h[7] !== 0, maximize = h[8] !== 0;
  for (let i = 0; i < n; i++) {
    let gi = maximize ? -g[gOff + i] : g[gOff + i];
    if (decoupled) p[pOff + i] = p[pOff + i] * decay;
    else if (weightDecay !== 0) gi = gi + weightDecay * p[pOff + i];
    m[mOff + i] = m[mOff + i] * beta1 + (1 - beta1) * gi;
    v[vOff + i] = v[vOff + i] * beta2 + (1 - beta2) * gi * gi;
    let second = v[vOff + i];
    if (vmax !== null) {
      // torch.maximum propagates NaN; Math.max does too.
      vmax[vmaxOff + i] = Math.max(vmax[vmaxOff + i], second);
      second = vmax[vmaxOff + i];
    }
    const denom = Math.sqrt(second) / bias2Sqrt + eps;
    p[pOff + i] = p[pOff + i] + (-stepSize * m[mOff + i]) / denom;
  }
}

export const optimKernels = { adamStep };
