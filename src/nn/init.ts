// nn.init: in-place parameter initialisation (torch.nn.init). Every function fills the tensor
// under noGrad with numbers drawn from the one seedable generator (so manualSeed makes it
// repeatable) and returns the tensor. Values are generated in row-major order.

import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad_mode.js";

export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu"
  | "convTranspose1d" | "convTranspose2d" | "convTranspose3d" | "leakyRelu";

export type FanMode = "fan_in" | "fan_out" | "fanIn" | "fanOut";

function checkT(fn: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`init.${fn}: expected a Tensor, got ${t === null ? "null" : typeof t}`);
  return t;
}

/** Write values (row-major) into t in place, without recording the graph. */
function fill(t: Tensor, values: Float64Array): Tensor {
  noGrad(() => t.copy_(tensor(values, { dtype: "float64" }).reshape(t.shape)));
  return t;
}

function draw(t: Tensor, f: () => number): Tensor {
  const v = new Float64Array(t.size);
  for (let i = 0; i < v.length; i++) v[i] = f();
  return fill(t, v);
}

/** camelCase aliases accepted for PyTorch's snake_case names ("leakyRelu" → "leaky_relu"). */
function snake(s: string): string {
  return s.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * The recommended gain for a nonlinearity (PyTorch's calculate_gain): 1 for linear/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky_relu (param = slope, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity | string, param?: number | null): number {
  const n = snake(String(nonlinearity));
  const linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"];
  if (linear.includes(n) || n === "sigmoid") return 1;
  if (n === "tanh") return 5 / 3;
  if (n === "relu") return Math.SQRT2;
  if (n === "leaky_relu") {
    let slope = 0.01;
    if (param !== undefined && param !== null) {
      if (typeof param !== "number" || !Number.isFinite(param)) throw new Error(`calculateGain: negative_slope ${String(param)} is not a valid number`);
      slope = param;
    }
    return Math.sqrt(2 / (1 + slope * slope));
  }
  if (n === "selu") return 3 / 4;
  throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}; expected one of linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu`);
}

/** fan_in = size(1)·receptive field, fan_out = size(0)·receptive field (needs ≥ 2 dims). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new Error(`init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got shape ${fmtShape(t.shape)}`);
  }
  let rf = 1;
  for (let i = 2; i < t.ndim; i++) rf *= t.shape[i];
  return { fanIn: t.shape[1] * rf, fanOut: t.shape[0] * rf };
}

function correctFan(fn: string, t: Tensor, mode: FanMode): number {
  const m = snake(mode);
  if (m !== "fan_in" && m !== "fan_out") throw new Error(`init.${fn}: mode ${JSON.stringify(mode)} not supported, please use one of fan_in, fan_out`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return m === "fan_in" ? fanIn : fanOut;
}

/** Fill with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  checkT("uniform_", t);
  return draw(t, () => a + (b - a) * generator.random());
}

/** Fill with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  checkT("normal_", t);
  return draw(t, () => mean + std * generator.normal());
}

/** Fill with a constant. */
export function constant_(t: Tensor, val: number): Tensor {
  checkT("constant_", t);
  noGrad(() => t.fill_(val));
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Fill a 2-d tensor with the identity (ones on the diagonal). */
export function eye_(t: Tensor): Tensor {
  checkT("eye_", t);
  if (t.ndim !== 2) throw new Error(`init.eye_: only tensors with 2 dimensions are supported, got shape ${fmtShape(t.shape)}`);
  const [r, c] = t.shape;
  const v = new Float64Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) v[i * c + i] = 1;
  return fill(t, v);
}

function gainOf(fn: string, g: number | { gain?: number } | undefined): number {
  const gain = typeof g === "number" ? g : g?.gain ?? 1;
  if (!Number.isFinite(gain)) throw new Error(`init.${fn}: gain must be a finite number, got ${gain}`);
  return gain;
}

/** Glorot uniform: U(−a, a) with a = gain·√(6/(fan_in+fan_out)). */
export function xavierUniform_(t: Tensor, gain?: number | { gain?: number; generator?: Generator }): Tensor {
  checkT("xavierUniform_", t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = Math.sqrt(3) * gainOf("xavierUniform_", gain) * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a, (typeof gain === "object" && gain.generator) || defaultGenerator);
}

/** Glorot normal: N(0, std²) with std = gain·√(2/(fan_in+fan_out)). */
export function xavierNormal_(t: Tensor, gain?: number | { gain?: number; generator?: Generator }): Tensor {
  checkT("xavierNormal_", t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gainOf("xavierNormal_", gain) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, 0, std, (typeof gain === "object" && gain.generator) || defaultGenerator);
}

export interface KaimingOptions {
  /** Negative slope of the leaky_relu after this layer (default 0). */
  a?: number;
  /** "fan_in" (default; preserves forward variance) or "fan_out" (backward). */
  mode?: FanMode;
  /** Default "leaky_relu" (with a = 0 that is relu's gain √2). */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(fn: string, t: Tensor, o: KaimingOptions): number | null {
  if (t.shape.includes(0)) return null; // PyTorch warns and leaves an empty tensor alone
  const fan = correctFan(fn, t, o.mode ?? "fan_in");
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(−b, b) with b = gain·√(3/fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkT("kaimingUniform_", t);
  const std = kaimingStd("kaimingUniform_", t, options);
  if (std === null) return t;
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound, options.generator);
}

/** He normal: N(0, std²) with std = gain/√fan. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkT("kaimingNormal_", t);
  const std = kaimingStd("kaimingNormal_", t, options);
  if (std === null) return t;
  return normal_(t, 0, std, options.generator);
}

// Normal CDF and its inverse for truncNormal_ (inverse-CDF sampling like PyTorch's).
function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 refined by one Newton step on erfc is overkill for init; 1.5e-7 is plenty.
  const s = Math.sign(x);
  const ax = Math.abs(x);
  const tt = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * tt - 1.453152027) * tt + 1.421413741) * tt - 0.284496736) * tt + 0.254829592) * tt * Math.exp(-ax * ax);
  return s * y;
}

function normCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** Acklam's inverse normal CDF (relative error < 1.2e-9). */
function normPpf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normPpf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export interface TruncNormalOptions {
  mean?: number;
  std?: number;
  /** Lower cut-off (absolute value, default −2). */
  a?: number;
  /** Upper cut-off (absolute value, default 2). */
  b?: number;
  generator?: Generator;
}

/** Fill with N(mean, std²) truncated to [a, b] (defaults 0, 1, −2, 2). */
export function truncNormal_(t: Tensor, options: TruncNormalOptions = {}): Tensor {
  checkT("truncNormal_", t);
  const { mean = 0, std = 1, a = -2, b = 2, generator = defaultGenerator } = options;
  if (!(a < b)) throw new Error(`init.truncNormal_: need a < b, got a=${a}, b=${b}`);
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return draw(t, () => {
    const z = normPpf(l + (u - l) * generator.random());
    return Math.min(b, Math.max(a, mean + std * z));
  });
}

/** Fill with a (semi-)orthogonal matrix times gain (QR of a Gaussian matrix; needs ≥ 2 dims). */
export function orthogonal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  checkT("orthogonal_", t);
  if (t.ndim < 2) throw new Error(`init.orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(t.shape)}`);
  if (t.size === 0) return t;
  const rows = t.shape[0];
  const cols = t.size / rows;
  const flat = new Float64Array(rows * cols);
  for (let i = 0; i < flat.length; i++) flat[i] = generator.normal();
  // Work on A (m×n, m ≥ n): the transposed matrix when rows < cols.
  const tr = rows < cols;
  const m = tr ? cols : rows;
  const n = tr ? rows : cols;
  const A = (i: number, j: number): number => (tr ? flat[j * cols + i] : flat[i * cols + j]);
  // Householder QR: Q's first n columns, with signs fixed so diag(R) > 0 (PyTorch does q *= sign(diag r)).
  const R = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) R[i * n + j] = A(i, j);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const alpha = R[k * n + k] > 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = R[i * n + k];
    v[k] -= alpha;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i] * v[i];
    if (vn > 0) {
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i] * R[i * n + j];
        const f = (2 * dot) / vn;
        for (let i = k; i < m; i++) R[i * n + j] -= f * v[i];
      }
    }
    vs.push(v);
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) Q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i] * v[i];
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * Q[i * n + j];
      const f = (2 * dot) / vn;
      for (let i = k; i < m; i++) Q[i * n + j] -= f * v[i];
    }
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const s = R[j * n + j] < 0 ? -1 : 1;
      const val = gain * s * Q[i * n + j];
      if (tr) out[j * cols + i] = val;
      else out[i * cols + j] = val;
    }
  }
  return fill(t, out);
}
