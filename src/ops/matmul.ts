// Matrix products: matmul (PyTorch's rules for 1-d, 2-d and batched, broadcasting batch
// dims), mm and bmm. The inner loop is the backend's GEMM.

import { Tensor } from "../tensor/tensor.js";
import { allocate, promoteTypes } from "../tensor/dtype.js";
import { broadcastShapes, fmtShape, numel } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import { record } from "../autograd/node.js";
import { checkTensor, sumToShape } from "./util.js";
import { expand, reshape, squeeze, transpose, unsqueeze } from "./shape.js";
import { add, to } from "./elementwise.js";

/** Batched product of [..., M, K] and [..., K, N] tensors with identical batch dims. */
function bmmRaw(a: Tensor, b: Tensor): Tensor {
  const M = a.shape[a.ndim - 2], K = a.shape[a.ndim - 1], N = b.shape[b.ndim - 1];
  const batchShape = a.shape.slice(0, -2);
  const batch = numel(batchShape);
  // A transposed operand (the common x·Wᵀ) is passed to GEMM as such instead of being copied.
  const aT = isTransposedLast2(a);
  const bT = isTransposedLast2(b);
  const A = aT ? transpose(a.detach(), -1, -2).dataRowMajor() : a.dataRowMajor();
  const B = bT ? transpose(b.detach(), -1, -2).dataRowMajor() : b.dataRowMajor();
  const out = allocate(a.dtype, batch * M * N);
  const k = kernels();
  for (let i = 0; i < batch; i++) k.gemm(aT, bT, M, N, K, A, i * M * K, B, i * K * N, out, i * M * N);
  return Tensor.fromData(out, [...batchShape, M, N]);
}

/** True when the last two dims are a transposed dense matrix (stride pattern [1, rows]). */
function isTransposedLast2(x: Tensor): boolean {
  const n = x.ndim;
  if (n < 2 || x.isContiguous()) return false;
  const t = transpose(x.detach(), -1, -2);
  return t.isContiguous();
}

function checkInner(opName: string, a: Tensor, b: Tensor, k1: number, k2: number): void {
  if (k1 !== k2) {
    throw new Error(`${opName}: inner dimensions do not match: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k1} vs ${k2})`);
  }
}

/** The product of two ≥2-d tensors with broadcast batch dims (the core all others reduce to). */
function matmulNd(opName: string, a: Tensor, b: Tensor): Tensor {
  checkInner(opName, a, b, a.shape[a.ndim - 1], b.shape[b.ndim - 2]);
  const batch = broadcastShapes(opName, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const ae = expand(a.detach(), [...batch, ...a.shape.slice(-2)]);
  const be = expand(b.detach(), [...batch, ...b.shape.slice(-2)]);
  const out = bmmRaw(ae, be);
  return record("MatmulBackward", out, [a, b], (g) => [
    a._requiresGrad ? sumToShape(matmulNd(opName, g, transpose(b, -1, -2)), a.shape) : null,
    b._requiresGrad ? sumToShape(matmulNd(opName, transpose(a, -1, -2), g), b.shape) : null,
  ], { saved: [a, b] });
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor("matmul", a);
  checkTensor("matmul", b, "other");
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.dtype !== b.dtype) {
    const dt = promoteTypes(a.dtype, b.dtype);
    return matmul(to(a, dt), to(b, dt));
  }
  if (a.dtype === "int32") throw new Error("matmul: int32 tensors are not supported; convert with .float()");
  if (a.ndim === 1 && b.ndim === 1) {
    checkInner("matmul", a, b, a.shape[0], b.shape[0]);
    return reshape(matmulNd("matmul", unsqueeze(a, 0), unsqueeze(b, 1)), []);
  }
  if (a.ndim === 1) return squeeze(matmulNd("matmul", unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmulNd("matmul", a, unsqueeze(b, 1)), -1);
  return matmulNd("matmul", a, b);
}

export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor("mm", a);
  checkTensor("mm", b, "other");
  if (a.ndim !== 2 || b.ndim !== 2) throw new Error(`mm: expects two 2-d tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor("bmm", a);
  checkTensor("bmm", b, "other");
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`bmm: expects two 3-d tensors with the same batch size, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

/** y = x · wᵀ + b, with w of shape [out, in] (PyTorch's layout) and x of shape [..., in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor("linear", x);
  checkTensor("linear", weight, "weight");
  if (weight.ndim !== 2) throw new Error(`linear: weight must be 2-d [out, in], got shape ${fmtShape(weight.shape)}`);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new Error(`linear: input has ${x.shape[x.ndim - 1] ?? 0} features (shape ${fmtShape(x.shape)}) but weight expects ${weight.shape[1]} (weight shape ${fmtShape(weight.shape)})`);
  }
  if (x.dtype !== weight.dtype) throw new Error(`linear: input is ${x.dtype} but weight is ${weight.dtype}; convert one with .to(dtype)`);
  const y = matmul(x, transpose(weight, 0, 1));
  if (bias == null) return y;
  checkTensor("linear", bias, "bias");
  if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
    throw new Error(`linear: bias must have shape [${weight.shape[0]}], got ${fmtShape(bias.shape)}`);
  }
  return add(y, bias);
}
