// gradcheck: compare the analytic gradients of fn (from backward) with float64 central
// differences, element by element of the Jacobian, and report the worst error.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { zerosLike } from "../tensor/creation.js";
import { noGrad } from "./grad_mode.js";
import { backward } from "./engine.js";

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw on failure (default true, like PyTorch); otherwise just return the result. */
  raiseException?: boolean;
}

export interface GradcheckResult {
  passed: boolean;
  /** Largest |analytic − numeric| / max(|analytic|, |numeric|) over entries above atol. */
  worstRelativeError: number;
  /** Largest |analytic − numeric|. */
  worstAbsoluteError: number;
  /** Where the worst violation (or, if none, the worst relative error) happened. */
  worst: { input: number; element: number; output: number; analytic: number; numeric: number } | null;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(r: Tensor | readonly Tensor[]): Tensor[] {
  return r instanceof Tensor ? [r] : [...r];
}

/** Storage position of the k-th (row-major) element of a strided tensor. */
function storageIndex(t: Tensor, k: number): number {
  let pos = t.offset;
  for (let d = t.ndim - 1; d >= 0; d--) {
    const i = k % t.shape[d];
    k = (k - i) / t.shape[d];
    pos += i * t.strides[d];
  }
  return pos;
}

export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const checked = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
    if (t._requiresGrad && t.dtype !== "float64") {
      throw new Error(`gradcheck: input ${i} is ${t.dtype}; finite differences need float64 inputs (use .double())`);
    }
    return t._requiresGrad;
  });
  if (!checked.some(Boolean)) throw new Error("gradcheck: no input requires grad; nothing to check");

  const outs = outputsOf(fn(...inputs));
  const outSizes = outs.map((o) => o.size);
  const totalOut = outSizes.reduce((a, b) => a + b, 0);
  const diffOuts = outs.map((o) => o._requiresGrad);

  // Analytic Jacobian: one backward per output element, with a one-hot output gradient.
  const analytic: Float64Array[] = inputs.map((t) => new Float64Array(t.size * totalOut));
  let col = 0;
  outs.forEach((o, oi) => {
    for (let j = 0; j < o.size; j++, col++) {
      if (!diffOuts[oi]) continue;
      const g = zerosLike(o);
      g.storage[j] = 1;
      const grads = backward([o], [g], { retainGraph: true, inputs: inputs.filter((_, i) => checked[i]) });
      let gi = 0;
      inputs.forEach((t, i) => {
        if (!checked[i]) return;
        const gr = grads[gi++];
        if (!gr) return;
        if (gr.shape.length !== t.shape.length || gr.shape.some((s, d) => s !== t.shape[d])) {
          throw new Error(`gradcheck: gradient for input ${i} has shape ${fmtShape(gr.shape)}, expected ${fmtShape(t.shape)}`);
        }
        const v = gr.toArray();
        for (let k = 0; k < t.size; k++) analytic[i][k * totalOut + col] = v[k];
      });
    }
  });

  // Numeric Jacobian by central differences, perturbing each input element in place.
  const numeric: Float64Array[] = inputs.map((t) => new Float64Array(t.size * totalOut));
  const evalFlat = (): Float64Array => {
    const r = outputsOf(noGrad(() => fn(...inputs)));
    const flat = new Float64Array(totalOut);
    let p = 0;
    for (const o of r) { flat.set(o.toArray(), p); p += o.size; }
    return flat;
  };
  inputs.forEach((t, i) => {
    if (!checked[i]) return;
    for (let k = 0; k < t.size; k++) {
      const pos = storageIndex(t, k);
      const orig = t.storage[pos];
      t.storage[pos] = orig + eps;
      const plus = evalFlat();
      t.storage[pos] = orig - eps;
      const minus = evalFlat();
      t.storage[pos] = orig;
      for (let j = 0; j < totalOut; j++) numeric[i][k * totalOut + j] = (plus[j] - minus[j]) / (2 * eps);
    }
  });

  let passed = true;
  let worstRel = 0, worstAbs = 0;
  let worst: GradcheckResult["worst"] = null;
  let worstViolation = -1;
  inputs.forEach((t, i) => {
    if (!checked[i]) return;
    for (let k = 0; k < t.size; k++) {
      for (let j = 0; j < totalOut; j++) {
        const a = analytic[i][k * totalOut + j];
        const n = numeric[i][k * totalOut + j];
        const err = Math.abs(a - n);
        const scale = Math.max(Math.abs(a), Math.abs(n));
        const rel = scale > atol ? err / scale : 0;
        worstAbs = Math.max(worstAbs, err);
        const violation = err / (atol + rtol * Math.abs(n));
        const here = { input: i, element: k, output: j, analytic: a, numeric: n };
        if (!(err <= atol + rtol * Math.abs(n))) {
          passed = false;
          if (!(violation <= worstViolation)) { worstViolation = violation; worst = here; }
        }
        if (rel > worstRel) { worstRel = rel; if (passed) worst = here; }
      }
    }
  });
  const result: GradcheckResult = { passed, worstRelativeError: worstRel, worstAbsoluteError: worstAbs, worst };
  if (!passed && (options.raiseException ?? true)) {
    const w = worst!;
    throw new Error(
      `gradcheck: Jacobian mismatch for input ${w.input} (shape ${fmtShape(inputs[w.input].shape)}), element ${w.element}, output ${w.output}: analytic ${w.analytic} vs numeric ${w.numeric} (atol ${atol}, rtol ${rtol}); worst relative error ${worstRel.toExponential(3)}`,
    );
  }
  return result;
}
