// Activations: softmax and logSoftmax, the ReLU family (leakyRelu, prelu, elu, selu, celu,
// relu6, hardtanh), smooth ones (gelu, silu, mish, softplus, logSigmoid) and maxout.
// relu, sigmoid and tanh live in elementwise.ts. Each op's forward sits beside its backward;
// backward formulas use ops so they can be differentiated again.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { fmtShape, normDim, numel } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import { record } from "../autograd/node.js";
import { checkFloat, checkSameDtype, checkTensor } from "./util.js";
import { add, exp, gt, lt, mul, neg, sigmoid, square, sub, tanh, where } from "./elementwise.js";
import { max, sum } from "./reduce.js";
import { reshape } from "./shape.js";

// ---- softmax ------------------------------------------------------------------------------

/**
 * Softmax or log-softmax along dim d, one pass per row in double precision with the row's
 * max subtracted first (as PyTorch does), rounded once into x's dtype. Going through
 * logsumexp in float32 instead loses ~ulp(lse): 0.06 absolute for logits near 1e6.
 */
function softmaxRaw(x: Tensor, d: number, log: boolean): Tensor {
  const src = x.dataRowMajor();
  const n = x.ndim === 0 ? 1 : x.shape[d];
  const inner = numel(x.shape.slice(d + 1));
  const outer = n * inner === 0 ? 0 : x.size / (n * inner);
  const out = allocate(x.dtype, x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) { const v = src[base + j * inner]; if (v > m) m = v; }
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(src[base + j * inner] - m);
      // A row of all −inf (or with +inf) gives NaN, as in PyTorch.
      const ls = Math.log(s);
      for (let j = 0; j < n; j++) {
        const k = base + j * inner;
        out[k] = log ? src[k] - m - ls : Math.exp(src[k] - m) / s;
      }
    }
  }
  return Tensor.fromData(out, x.shape);
}

/** log(softmax(x)) along `dim`, computed stably as (x − max) − log Σ exp(x − max). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor("logSoftmax", x);
  checkFloat("logSoftmax", x);
  const d = normDim("logSoftmax", dim, x.ndim);
  const out = softmaxRaw(x, d, true);
  return record("LogSoftmaxBackward", out, [x], (g) => [sub(g, mul(exp(out), sum(g, d, true)))]);
}

/** exp(x) / Σ exp(x) along `dim`; stable for large inputs (the row max is subtracted first). */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor("softmax", x);
  checkFloat("softmax", x);
  const d = normDim("softmax", dim, x.ndim);
  const out = softmaxRaw(x, d, false);
  return record("SoftmaxBackward", out, [x], (g) => [mul(out, sub(g, sum(mul(g, out), d, true)))]);
}

// ---- pointwise helpers --------------------------------------------------------------------

/** Apply a scalar function to every element into a new tensor of x's (float) dtype. */
function pointwise(opName: string, x: Tensor, f: (v: number) => number): Tensor {
  checkTensor(opName, x);
  checkFloat(opName, x);
  const out = allocate(x.dtype, x.size);
  kernels().unaryKernel(f, x, out);
  return Tensor.fromData(out, x.shape);
}

function checkNumber(opName: string, name: string, v: number): void {
  if (typeof v !== "number" || Number.isNaN(v)) throw new Error(`${opName}: ${name} must be a number, got ${v}`);
}

// ---- the ReLU family ------------------------------------------------------------------------

/** max(0, x) + negativeSlope · min(0, x) (PyTorch's leaky_relu; default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkNumber("leakyRelu", "negativeSlope", negativeSlope);
  const out = pointwise("leakyRelu", x, (v) => (v > 0 ? v : v * negativeSlope));
  return record("LeakyReluBackward", out, [x], (g) => [where(gt(x, 0), g, mul(g, negativeSlope))], { saved: [x] });
}

/**
 * Parametric ReLU: x where x > 0, else weight · x. `weight` has 1 element (shared) or C, one
 * per channel, where C is dim 1 of the input (inputs with fewer than 2 dims have 1 channel).
 * Both x and weight get gradients.
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  checkTensor("prelu", x);
  checkTensor("prelu", weight, "weight");
  checkFloat("prelu", x);
  checkSameDtype("prelu", x, weight);
  const channels = x.ndim >= 2 ? x.shape[1] : 1;
  if (weight.ndim > 1 || (weight.size !== 1 && weight.size !== channels)) {
    throw new Error(`prelu: weight must hold 1 or ${channels} values (one per channel, dim 1 of input shape ${fmtShape(x.shape)}), got shape ${fmtShape(weight.shape)}`);
  }
  // Broadcast the weight over dim 1; composing where/mul gives both gradients (x's is w·g where x ≤ 0).
  const wb = weight.size === 1 ? reshape(weight, []) : reshape(weight, x.shape.map((s, i) => (i === 1 ? s : 1)));
  return where(gt(x, 0), x, mul(wb, x));
}

/** PyTorch's ELU kernel: x > 0 ? scale·x : scale·alpha·(exp(inputScale·x) − 1). */
function eluFamily(opName: string, x: Tensor, alpha: number, scale: number, inputScale: number): Tensor {
  checkNumber(opName, "alpha", alpha);
  const out = pointwise(opName, x, (v) => (v > 0 ? scale * v : scale * alpha * Math.expm1(v * inputScale)));
  const negCoef = scale * alpha * inputScale;
  return record(`${opName[0].toUpperCase()}${opName.slice(1)}Backward`, out, [x], (g) => [
    where(gt(x, 0), mul(g, scale), mul(g, mul(exp(mul(x, inputScale)), negCoef))),
  ], { saved: [x] });
}

/** ELU: x for x > 0, alpha·(exp(x) − 1) otherwise (default alpha 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  return eluFamily("elu", x, alpha, 1, 1);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** SELU: SCALE·elu(x, ALPHA) with the self-normalising constants of Klambauer et al. */
export function selu(x: Tensor): Tensor {
  return eluFamily("selu", x, SELU_ALPHA, SELU_SCALE, 1);
}

/** CELU: max(0, x) + min(0, alpha·(exp(x/alpha) − 1)). */
export function celu(x: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new Error("celu: alpha must not be 0 (it divides x)");
  return eluFamily("celu", x, alpha, 1, 1 / alpha);
}

/** Clamp into [minVal, maxVal]; the gradient passes strictly inside (PyTorch's hardtanh). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  checkNumber("hardtanh", "minVal", minVal);
  checkNumber("hardtanh", "maxVal", maxVal);
  if (minVal > maxVal) throw new Error(`hardtanh: minVal (${minVal}) must not exceed maxVal (${maxVal})`);
  const out = pointwise("hardtanh", x, (v) => (v < minVal ? minVal : v > maxVal ? maxVal : v));
  return record("HardtanhBackward", out, [x], (g) => [mul(g, mul(gt(x, minVal), lt(x, maxVal)))], { saved: [x] });
}

/** min(max(0, x), 6). */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

// ---- smooth activations -------------------------------------------------------------------

/** log(1 + exp(beta·x)) / beta, and x itself where beta·x > threshold (PyTorch's softplus). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkNumber("softplus", "beta", beta);
  checkNumber("softplus", "threshold", threshold);
  const out = pointwise("softplus", x, (v) => (v * beta > threshold ? v : Math.log1p(Math.exp(v * beta)) / beta));
  return record("SoftplusBackward", out, [x], (g) => {
    const bx = mul(x, beta);
    return [where(gt(bx, threshold), g, mul(g, sigmoid(bx)))];
  }, { saved: [x] });
}

/** log(sigmoid(x)) = min(x, 0) − log1p(exp(−|x|)), exact for every x (no overflow). */
export function logSigmoid(x: Tensor): Tensor {
  const out = pointwise("logSigmoid", x, (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))));
  return record("LogSigmoidBackward", out, [x], (g) => [mul(g, sigmoid(neg(x)))], { saved: [x] });
}

/** SiLU (swish): x · sigmoid(x). */
export function silu(x: Tensor): Tensor {
  checkTensor("silu", x);
  checkFloat("silu", x);
  return mul(x, sigmoid(x));
}

/** Mish: x · tanh(softplus(x)). */
export function mish(x: Tensor): Tensor {
  checkTensor("mish", x);
  checkFloat("mish", x);
  return mul(x, tanh(softplus(x)));
}

/**
 * GELU: x·Φ(x) with Φ the standard normal CDF (approximate "none", the default), or
 * PyTorch's tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) with approximate "tanh".
 */
export function gelu(x: Tensor, options: { approximate?: "none" | "tanh" } = {}): Tensor {
  checkTensor("gelu", x);
  checkFloat("gelu", x);
  const approximate = options.approximate ?? "none";
  if (approximate === "none") return mul(x, normalCdf(x));
  if (approximate !== "tanh") throw new Error(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`);
  const kBeta = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5;
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), kBeta);
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** Φ(x), the standard normal CDF; its derivative is the normal density. */
export function normalCdf(x: Tensor): Tensor {
  const out = pointwise("normalCdf", x, phi);
  const c = 1 / Math.sqrt(2 * Math.PI);
  return record("NormalCdfBackward", out, [x], (g) => [mul(g, mul(exp(mul(square(x), -0.5)), c))], { saved: [x] });
}

/** Φ(x) = erfc(−x/√2)/2 to double precision (no cancellation in either tail). */
function phi(x: number): number {
  const z = x * Math.SQRT1_2;
  const a = Math.abs(z);
  if (Number.isNaN(z)) return z;
  const upper = a < 2 ? 1 - erfSeries(a) : erfcFraction(a); // erfc(|z|)
  return z >= 0 ? 1 - 0.5 * upper : 0.5 * upper;
}

/** erf(a), a ≥ 0, via 2/√π · e^(−a²) · Σ 2ⁿ a^(2n+1) / (1·3·…·(2n+1)): all terms positive. */
function erfSeries(a: number): number {
  const a2 = a * a;
  let term = a;
  let s = a;
  for (let n = 1; n < 500; n++) {
    term *= (2 * a2) / (2 * n + 1);
    s += term;
    if (term <= s * 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-a2) * s;
}

/** erfc(a), a ≥ 2, by the continued fraction e^(−a²)/√π · 1/(a + ½/(a + 1/(a + 3⁄2/(a + …)))) (modified Lentz). */
function erfcFraction(a: number): number {
  if (a === Infinity) return 0;
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = 1 / (a + an * d);
    c = a + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
}

// ---- maxout -------------------------------------------------------------------------------

/**
 * Maxout (Goodfellow et al. 2013): split dim `dim` (C channels, default 1) into C/pieces groups
 * of `pieces` consecutive channels and keep each group's max; the gradient flows to the max.
 * Example: x [N, 6, H, W], pieces 3 → [N, 2, H, W] with out[:, 0] = max(x[:, 0..2]).
 */
export function maxout(x: Tensor, pieces: number, dim = 1): Tensor {
  checkTensor("maxout", x);
  checkFloat("maxout", x);
  if (!Number.isInteger(pieces) || pieces < 1) throw new Error(`maxout: pieces must be a positive integer, got ${pieces}`);
  const d = normDim("maxout", dim, x.ndim);
  const c = x.shape[d];
  if (c % pieces !== 0) {
    throw new Error(`maxout: dim ${d} has ${c} channels, which is not divisible by pieces = ${pieces} (input shape ${fmtShape(x.shape)})`);
  }
  const grouped = [...x.shape.slice(0, d), c / pieces, pieces, ...x.shape.slice(d + 1)];
  return (max(reshape(x, grouped), d + 1) as { values: Tensor }).values;
}
