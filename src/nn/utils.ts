// Gradient clipping (PyTorch's torch.nn.utils.clip_grad_norm_ / clip_grad_value_), in place on
// the parameters' .grad. Exposed as nn.utils.clipGradNorm_ and (re-exported) optim.clipGradNorm_.

import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad_mode.js";

function gradsOf(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameters must be Tensors, but item ${i} is ${typeof p}`);
  });
  return list.filter((p) => p.grad !== null).map((p) => p.grad!);
}

/** The p-norm of values (PyTorch's torch.norm over a flat vector, incl. p = 0 and ±inf). */
function vectorNorm(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (p === Infinity || p === -Infinity) {
    let m = p === Infinity ? 0 : Infinity;
    if (n === 0) return p === Infinity ? 0 : Infinity;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(values[i]);
      if (Number.isNaN(a)) return NaN;
      m = p === Infinity ? Math.max(m, a) : Math.min(m, a);
    }
    return m;
  }
  let s = 0;
  if (p === 0) {
    for (let i = 0; i < n; i++) if (values[i] !== 0) s += 1;
    return s;
  }
  if (p === 1) {
    for (let i = 0; i < n; i++) s += Math.abs(values[i]);
    return s;
  }
  if (p === 2) {
    for (let i = 0; i < n; i++) s += values[i] * values[i];
    return Math.sqrt(s);
  }
  for (let i = 0; i < n; i++) s += Math.abs(values[i]) ** p;
  return s ** (1 / p);
}

/** Multiply g by k in place (g is a gradient tensor; strided ones are written through their view). */
function scaleInPlace(g: Tensor, k: number): void {
  if (g.isContiguous()) {
    const d = g.storage;
    for (let i = g.offset, end = g.offset + g.size; i < end; i++) d[i] = d[i] * k;
    g._version.v++;
  } else {
    noGrad(() => g.mul_(k));
  }
}

export interface ClipGradNormOptions {
  /** Order of the norm: 2 (default), 1, any p, Infinity ("inf") for the max-abs norm. */
  normType?: number | "inf";
  /** Throw if the total norm is NaN or infinite (default false: such gradients are scaled anyway). */
  errorIfNonfinite?: boolean;
}

/**
 * Clip the gradient norm of parameters, as if all their gradients were one vector: when the
 * total norm exceeds maxNorm, every gradient is scaled by maxNorm / (total + 1e-6). Returns the
 * total norm (before clipping) as a 0-d tensor.
 *
 * @example
 * loss.backward();
 * optim.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const { normType: rawType = 2, errorIfNonfinite = false } = options;
  const normType = rawType === "inf" ? Infinity : rawType;
  if (typeof normType !== "number" || Number.isNaN(normType)) throw new Error(`clipGradNorm_: normType must be a number or "inf", got ${JSON.stringify(rawType)}`);
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm)) throw new Error(`clipGradNorm_: maxNorm must be a number, got ${maxNorm}`);
  const grads = gradsOf("clipGradNorm_", parameters);
  if (grads.length === 0) return Tensor.empty([], "float32");
  // Norm of each gradient, then the norm of those norms (PyTorch's order; for ±inf it is the max/min).
  const norms = grads.map((g) => vectorNorm(g.dataRowMajor(), normType));
  const total = vectorNorm(norms, normType);
  const out = Tensor.empty([], grads[0].dtype);
  out.storage[0] = total;
  const totalT = out.storage[0]; // rounded to the gradients' dtype, as PyTorch's tensor is
  if (errorIfNonfinite && !Number.isFinite(totalT)) {
    throw new Error(`clipGradNorm_: The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false`);
  }
  const coef = maxNorm / (totalT + 1e-6);
  // PyTorch multiplies by the coefficient clamped to 1 (so NaN propagates); × 1 changes nothing.
  const clamped = Number.isNaN(coef) ? NaN : Math.min(coef, 1.0);
  if (clamped !== 1) for (const g of grads) scaleInPlace(g, clamped);
  return out;
}

/**
 * Clamp every gradient element of parameters into [−clipValue, clipValue], in place.
 *
 * @example
 * optim.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== "number" || Number.isNaN(clipValue)) throw new Error(`clipGradValue_: clipValue must be a number, got ${clipValue}`);
  for (const g of gradsOf("clipGradValue_", parameters)) {
    if (g.isContiguous()) {
      const d = g.storage;
      for (let i = g.offset, end = g.offset + g.size; i < end; i++) {
        const v = d[i];
        d[i] = v < -clipValue ? -clipValue : v > clipValue ? clipValue : v;
      }
      g._version.v++;
    } else {
      noGrad(() => g.clamp_(-clipValue, clipValue));
    }
  }
}
