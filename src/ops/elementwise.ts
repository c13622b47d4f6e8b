// Elementwise ops: arithmetic with broadcasting, unary math, clamp, casts and in-place writes.
// Each op's forward and backward sit together; backward formulas use ops so they can be
// differentiated again.

import { Tensor, type TensorOrScalar } from "../tensor/tensor.js";
import { type DType, allocate, allocateForOverwrite, isFloating, promoteTensorTypes, promoteWithScalar, checkDType } from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides, numel, fmtShape, shapeEquals } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import type { BinaryName, UnaryName } from "../backend/js/elementwise.js";
import { record } from "../autograd/node.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { checkTensor, lift, sumToShape } from "./util.js";

// ---- forward helpers ------------------------------------------------------------------------

/** Run a named binary kernel over broadcast inputs into a new tensor of dtype `outDtype`. */
export function binaryForward(opName: string, name: BinaryName, a: Tensor, b: Tensor, outDtype: DType): Tensor {
  const shape = broadcastShapes(opName, a.shape, b.shape);
  const out = allocateForOverwrite(outDtype, numel(shape));
  kernels().binary(
    name, shape,
    a.storage, a.offset, broadcastStrides(a.shape, a.strides, shape),
    b.storage, b.offset, broadcastStrides(b.shape, b.strides, shape),
    out,
  );
  return Tensor.fromData(out, shape);
}

/** Run a named unary kernel into a new tensor. */
export function unaryForward(name: UnaryName, x: Tensor, outDtype: DType = x.dtype): Tensor {
  const out = allocateForOverwrite(outDtype, x.size);
  kernels().unary(name, x, out);
  return Tensor.fromData(out, x.shape);
}

/** Coerce (tensor|number, tensor|number) to two tensors and the promoted result dtype. */
function operands(opName: string, a: TensorOrScalar, b: TensorOrScalar): [Tensor, Tensor, DType] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b, promoteTensorTypes(a, b)];
  if (a instanceof Tensor) {
    if (typeof b !== "number") checkTensor(opName, b, "other");
    const dt = promoteWithScalar(a.dtype, b as number);
    return [a, lift(b as number, dt), dt];
  }
  if (b instanceof Tensor) {
    if (typeof a !== "number") checkTensor(opName, a, "input");
    const dt = promoteWithScalar(b.dtype, a as number);
    return [lift(a as number, dt), b, dt];
  }
  throw new Error(`${opName}: at least one argument must be a Tensor, got ${typeof a} and ${typeof b}`);
}

// ---- arithmetic -----------------------------------------------------------------------------

export function add(a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) b = b instanceof Tensor ? mul(b, alpha) : (b as number) * alpha;
  const [x, y, dt] = operands("add", a, b);
  const out = binaryForward("add", "add", x, y, dt);
  return record("AddBackward", out, [x, y], (g) => [sumToShape(g, x.shape), sumToShape(g, y.shape)]);
}

export function sub(a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) b = b instanceof Tensor ? mul(b, alpha) : (b as number) * alpha;
  const [x, y, dt] = operands("sub", a, b);
  const out = binaryForward("sub", "sub", x, y, dt);
  return record("SubBackward", out, [x, y], (g) => [sumToShape(g, x.shape), sumToShape(neg(g), y.shape)]);
}

export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands("mul", a, b);
  const out = binaryForward("mul", "mul", x, y, dt);
  return record("MulBackward", out, [x, y], (g) => [
    x._requiresGrad ? sumToShape(mul(g, y), x.shape) : null,
    y._requiresGrad ? sumToShape(mul(g, x), y.shape) : null,
  ], { saved: [x, y] });
}

export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt0] = operands("div", a, b);
  const dt = isFloating(dt0) ? dt0 : "float32"; // true division, like torch.div
  const out = binaryForward("div", "div", x, y, dt);
  return record("DivBackward", out, [x, y], (g) => [
    x._requiresGrad ? sumToShape(div(g, y), x.shape) : null,
    y._requiresGrad ? sumToShape(neg(mul(g, div(out, y))), y.shape) : null,
  ], { saved: [x, y] });
}

export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands("pow", a, b);
  const out = binaryForward("pow", "pow", x, y, dt);
  const bIsNumber = typeof b === "number";
  return record("PowBackward", out, [x, y], (g) => {
    let gx: Tensor | null = null;
    let gy: Tensor | null = null;
    if (x._requiresGrad) {
      // d/dx x^p = p x^(p-1); PyTorch returns 0 where p == 0 (even at x = 0).
      if (bIsNumber) gx = (b as number) === 0 ? mul(g, 0) : mul(g, mul(pow(x, (b as number) - 1), b as number));
      else gx = sumToShape(where(eq(y, 0), 0, mul(g, mul(y, pow(x, sub(y, 1))))), x.shape);
    }
    if (y._requiresGrad) {
      // d/dy x^y = x^y log x, defined as 0 where x == 0 and y >= 0.
      const full = mul(g, mul(out, log(x)));
      gy = sumToShape(where(mul(eq(x, 0), ge(y, 0)), 0, full), y.shape);
    }
    return [gx, gy];
  }, { saved: [x, y] });
}

export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return extremum("maximum", a, b);
}

export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return extremum("minimum", a, b);
}

function extremum(name: "maximum" | "minimum", a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands(name, a, b);
  const out = binaryForward(name, name, x, y, dt);
  return record(name === "maximum" ? "MaximumBackward" : "MinimumBackward", out, [x, y], (g) => {
    // PyTorch's rule: the loser gets nothing, ties split the gradient evenly, and when a NaN is
    // involved (neither wins nor ties) both sides get the full gradient.
    const half = sub(1, mul(eq(x, y), 0.5));
    const xLoses = name === "maximum" ? lt(x, y) : gt(x, y);
    const yLoses = name === "maximum" ? gt(x, y) : lt(x, y);
    const wx = mul(half, sub(1, xLoses));
    const wy = mul(half, sub(1, yLoses));
    return [
      x._requiresGrad ? sumToShape(mul(g, wx), x.shape) : null,
      y._requiresGrad ? sumToShape(mul(g, wy), y.shape) : null,
    ];
  }, { saved: [x, y] });
}

/** Clamp into [min, max]; either bound may be omitted. The gradient passes where min ≤ x ≤ max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor("clamp", x);
  if (min == null && max == null) throw new Error("clamp: at least one of min and max must be given");
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const dt = isFloating(x.dtype) || (Number.isInteger(lo) || lo === -Infinity) && (Number.isInteger(hi) || hi === Infinity) ? x.dtype : "float32";
  const out = allocate(dt, x.size);
  // NaN stays NaN, like PyTorch; when min > max every element becomes max.
  kernels().unaryKernel((v) => (v !== v ? v : Math.min(Math.max(v, lo), hi)), x, out);
  const y = Tensor.fromData(out, x.shape);
  return record("ClampBackward", y, [x], (g) => [mul(g, mul(ge(x, lo), le(x, hi)))], { saved: [x] });
}

// ---- unary math -----------------------------------------------------------------------------

function floatUnary(name: UnaryName, x: Tensor): Tensor {
  checkTensor(name, x);
  return unaryForward(name, x, isFloating(x.dtype) ? x.dtype : "float32");
}

export function neg(x: Tensor): Tensor {
  checkTensor("neg", x);
  return record("NegBackward", unaryForward("neg", x), [x], (g) => [neg(g)]);
}

export function exp(x: Tensor): Tensor {
  const out = floatUnary("exp", x);
  return record("ExpBackward", out, [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  const out = floatUnary("log", x);
  return record("LogBackward", out, [x], (g) => [div(g, x)], { saved: [x] });
}

export function log1p(x: Tensor): Tensor {
  const out = floatUnary("log1p", x);
  return record("Log1pBackward", out, [x], (g) => [div(g, add(x, 1))], { saved: [x] });
}

export function sqrt(x: Tensor): Tensor {
  const out = floatUnary("sqrt", x);
  return record("SqrtBackward", out, [x], (g) => [div(g, mul(out, 2))]);
}

export function rsqrt(x: Tensor): Tensor {
  const out = floatUnary("rsqrt", x);
  return record("RsqrtBackward", out, [x], (g) => [mul(g, mul(pow(out, 3), -0.5))]);
}

export function square(x: Tensor): Tensor {
  checkTensor("square", x);
  const out = unaryForward("square", x);
  return record("SquareBackward", out, [x], (g) => [mul(g, mul(x, 2))], { saved: [x] });
}

export function reciprocal(x: Tensor): Tensor {
  const out = floatUnary("reciprocal", x);
  return record("ReciprocalBackward", out, [x], (g) => [neg(mul(g, mul(out, out)))]);
}

export function abs(x: Tensor): Tensor {
  checkTensor("abs", x);
  const out = unaryForward("abs", x);
  return record("AbsBackward", out, [x], (g) => [mul(g, sign(x))], { saved: [x] });
}

export function sin(x: Tensor): Tensor {
  const out = floatUnary("sin", x);
  return record("SinBackward", out, [x], (g) => [mul(g, cos(x))], { saved: [x] });
}

export function cos(x: Tensor): Tensor {
  const out = floatUnary("cos", x);
  return record("CosBackward", out, [x], (g) => [neg(mul(g, sin(x)))], { saved: [x] });
}

export function tanh(x: Tensor): Tensor {
  const out = floatUnary("tanh", x);
  return record("TanhBackward", out, [x], (g) => [mul(g, sub(1, mul(out, out)))]);
}

export function sigmoid(x: Tensor): Tensor {
  const out = floatUnary("sigmoid", x);
  return record("SigmoidBackward", out, [x], (g) => [mul(g, mul(out, sub(1, out)))]);
}

/**
 * relu(a + b) in one pass (a residual block's sum and activation): the same numbers as the two
 * ops, with one tensor and one pass over memory fewer. Broadcasts like add.
 * @example F.addReLU(tensor([1, -3]), tensor([1, 1])) // [2, 0]
 */
export function addReLU(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y, dt] = operands("addReLU", a, b);
  const out = binaryForward("addReLU", "addRelu", x, y, dt);
  return record("AddReluBackward", out, [x, y], (g) => {
    const gm = reluBackward(g, out);
    return [sumToShape(gm, x.shape), sumToShape(gm, y.shape)];
  }, { saved: [out] });
}

export function relu(x: Tensor): Tensor {
  checkTensor("relu", x);
  const out = unaryForward("relu", x);
  return record("ReluBackward", out, [x], (g) => [reluBackward(g, out)]);
}

/** g where y > 0, else 0: ReLU's backward in one pass. Linear in g, so its own gradient is itself. */
function reluBackward(g: Tensor, y: Tensor): Tensor {
  const out = binaryForward("relu", "reluBackward", g, y, g.dtype);
  return record("ReluBackwardBackward", out, [g], (gg) => [reluBackward(gg, y)]);
}

/** sign, floor, ceil, round: piecewise constant, so their gradient is zero (as in PyTorch). */
function stepFn(name: "sign" | "floor" | "ceil" | "round") {
  return (x: Tensor): Tensor => {
    checkTensor(name, x);
    const out = unaryForward(name, x);
    return record(`${name[0].toUpperCase()}${name.slice(1)}Backward`, out, [x], (g) => [mul(g, 0)]);
  };
}
export const sign = stepFn("sign");
export const floor = stepFn("floor");
export const ceil = stepFn("ceil");
export const round = stepFn("round");

// ---- comparisons and selection --------------------------------------------------------------
// Comparisons return a 0/1 mask in the promoted dtype of the inputs (we have no bool dtype);
// masks are never differentiable.

function compare(name: "eq" | "ne" | "lt" | "le" | "gt" | "ge") {
  return (a: TensorOrScalar, b: TensorOrScalar): Tensor => {
    const [x, y, dt] = operands(name, a, b);
    return binaryForward(name, name, x, y, dt);
  };
}
export const eq = compare("eq");
export const ne = compare("ne");
export const lt = compare("lt");
export const le = compare("le");
export const gt = compare("gt");
export const ge = compare("ge");

/** Elementwise choice: a where cond is non-zero, else b (broadcasting all three). */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkTensor("where", cond, "condition");
  const [x, y, dt] = operands("where", a, b);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, x.shape), y.shape);
  const c = cond.expand(shape).dataRowMajor();
  const xs = x.expand(shape).dataRowMajor();
  const ys = y.expand(shape).dataRowMajor();
  const out = allocate(dt, numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = c[i] !== 0 ? xs[i] : ys[i];
  const res = Tensor.fromData(out, shape);
  return record("WhereBackward", res, [x, y], (g) => [
    x._requiresGrad ? sumToShape(where(cond, g, 0), x.shape) : null,
    y._requiresGrad ? sumToShape(where(cond, 0, g), y.shape) : null,
  ], { saved: [cond] });
}

/** x with `value` wherever mask is non-zero. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  checkTensor("maskedFill", x);
  checkTensor("maskedFill", mask, "mask");
  const shape = broadcastShapes("maskedFill", x.shape, mask.shape);
  if (!shapeEquals(shape, x.shape)) {
    throw new Error(`maskedFill: mask of shape ${fmtShape(mask.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`);
  }
  return where(mask, value, x);
}

// ---- casts, copies, in-place ----------------------------------------------------------------

export function to(x: Tensor, dtype: DType): Tensor {
  checkTensor("to", x);
  checkDType("to", dtype);
  if (dtype === x.dtype) return x;
  const out = unaryForward("copy", x, dtype);
  if (!isFloating(dtype)) return out;
  return record("ToBackward", out, [x], (g) => [to(g, x.dtype)]);
}

export function clone(x: Tensor): Tensor {
  checkTensor("clone", x);
  const out = Tensor.fromData(x.copyRowMajor(), x.shape);
  return record("CloneBackward", out, [x], (g) => [g]);
}

function checkInplace(opName: string, x: Tensor): void {
  if (isGradEnabled() && x._requiresGrad) {
    throw new Error(
      `${opName}: in-place operation on a tensor that requires grad${x.isLeaf ? " (a leaf)" : ""}; wrap it in noGrad(() => ...) (as optimizers do) or use the out-of-place op`,
    );
  }
}

/** Write `src` (broadcast to x's shape, cast to x's dtype) into x's elements. */
export function copy_(x: Tensor, src: Tensor | number): Tensor {
  checkTensor("copy_", x);
  checkInplace("copy_", x);
  const s = src instanceof Tensor ? src : lift(src, x.dtype);
  const shape = broadcastShapes("copy_", x.shape, s.shape);
  if (!shapeEquals(shape, x.shape)) {
    throw new Error(`copy_: source of shape ${fmtShape(s.shape)} does not broadcast to the destination's shape ${fmtShape(x.shape)}`);
  }
  const data = s.dtype === x.dtype && shapeEquals(s.shape, x.shape) ? s.dataRowMajor() : s.expand(x.shape).to(x.dtype).dataRowMajor();
  kernels().assignKernel(x, data);
  x._version.v++;
  return x;
}

export function fill_(x: Tensor, value: number): Tensor {
  checkTensor("fill_", x);
  checkInplace("fill_", x);
  if (x.isContiguous()) x.storage.fill(value, x.offset, x.offset + x.size);
  else kernels().assignKernel(x, allocate(x.dtype, x.size).fill(value));
  x._version.v++;
  return x;
}

/** x ← x ⊕ other, for add/sub/mul/div (x's shape and dtype are kept). */
export function inplace(x: Tensor, name: "add" | "sub" | "mul" | "div", other: TensorOrScalar, alpha?: number): Tensor {
  checkTensor(`${name}_`, x);
  checkInplace(`${name}_`, x);
  if (alpha !== undefined && alpha !== 1) other = other instanceof Tensor ? mul(other, alpha) : other * alpha;
  const y = other instanceof Tensor ? other : lift(other, isFloating(x.dtype) ? x.dtype : promoteWithScalar(x.dtype, other));
  const shape = broadcastShapes(`${name}_`, x.shape, y.shape);
  if (!shapeEquals(shape, x.shape)) {
    throw new Error(`${name}_: result of shape ${fmtShape(shape)} does not fit the in-place tensor's shape ${fmtShape(x.shape)}`);
  }
  const yStrides = broadcastStrides(y.shape, y.strides, shape);
  if (x.coversStorage() && y.storage !== x.storage) {
    // x owns its whole dense buffer and y is elsewhere: each element is read, then written once.
    kernels().binary(name, shape, x.storage, 0, x.strides, y.storage, y.offset, yStrides, x.storage);
  } else {
    const out = allocateForOverwrite(x.dtype, x.size);
    kernels().binary(name, shape, x.storage, x.offset, x.strides, y.storage, y.offset, yStrides, out);
    kernels().assignKernel(x, out);
  }
  x._version.v++;
  return x;
}
