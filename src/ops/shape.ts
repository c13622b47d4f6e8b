// Shape ops. Views (reshape when possible, view, transpose, permute, expand, narrow, squeeze,
// unsqueeze) share storage and only change shape/strides/offset; cat and stack copy.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { contiguousStrides, fmtShape, normDim, numel, shapeEquals } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";
import { kernels } from "../backend/backend.js";
import { record } from "../autograd/node.js";
import { checkTensor, sumToShape } from "./util.js";

function viewOf(x: Tensor, shape: readonly number[], strides: readonly number[], offset = x.offset): Tensor {
  return new Tensor(x.storage, shape, strides, offset, x._version);
}

/** Resolve a single -1 and check the element count. */
function inferShape(opName: string, x: { size: number; shape: readonly number[] }, shape: readonly number[]): number[] {
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const s = out[i];
    if (s === -1) {
      if (infer >= 0) throw new Error(`${opName}: only one dimension can be -1, got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new Error(`${opName}: invalid size ${s} in shape ${fmtShape(shape)}`);
    } else known *= s;
  }
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`${opName}: shape ${fmtShape(shape)} is invalid for input of size ${x.size} (shape ${fmtShape(x.shape)})`);
    }
    out[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new Error(`${opName}: shape ${fmtShape(shape)} is invalid for input of size ${x.size} (shape ${fmtShape(x.shape)})`);
  }
  return out;
}

/**
 * Strides that let `x`'s storage be read as `shape` without copying, or null when impossible
 * (PyTorch's computeStride: each group of old dims merged into new dims must be contiguous).
 */
function viewStrides(x: Tensor, shape: readonly number[]): number[] | null {
  if (x.isContiguous()) return contiguousStrides(shape);
  const oldShape = x.shape, oldStrides = x.strides;
  const newStrides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldShape.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("view", x);
  const s = inferShape("view", x, shape);
  const strides = x.size === 0 ? contiguousStrides(s) : viewStrides(x, s);
  if (!strides) {
    throw new Error(`view: size ${fmtShape(s)} is not compatible with the input's strides (shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}); use reshape(), which copies when it must`);
  }
  const out = viewOf(x, s, strides);
  return record("ViewBackward", out, [x], (g) => [reshape(g, x.shape)]);
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("reshape", x);
  const s = inferShape("reshape", x, shape);
  const strides = x.size === 0 ? contiguousStrides(s) : viewStrides(x, s);
  const out = strides ? viewOf(x, s, strides) : Tensor.fromData(x.copyRowMajor(), s);
  return record("ReshapeBackward", out, [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor("flatten", x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim("flatten", startDim, x.ndim);
  const e = normDim("flatten", endDim, x.ndim);
  if (s > e) throw new Error(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkTensor("unflatten", x);
  const d = normDim("unflatten", dim, x.ndim);
  const sub = inferShape("unflatten", { size: x.shape[d], shape: [x.shape[d]] }, sizes);
  return reshape(x, [...x.shape.slice(0, d), ...sub, ...x.shape.slice(d + 1)]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor("permute", x);
  if (dims.length !== x.ndim) {
    throw new Error(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor with ${x.ndim} dims (shape ${fmtShape(x.shape)})`);
  }
  const d = dims.map((v) => normDim("permute", v, x.ndim));
  if (new Set(d).size !== d.length) throw new Error(`permute: dims ${fmtShape(dims)} repeat a dim`);
  const out = viewOf(x, d.map((i) => x.shape[i]), d.map((i) => x.strides[i]));
  const inverse = new Array<number>(d.length);
  d.forEach((v, i) => (inverse[v] = i));
  return record("PermuteBackward", out, [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor("transpose", x);
  if (x.ndim === 0) return x;
  const a = normDim("transpose", dim0, x.ndim);
  const b = normDim("transpose", dim1, x.ndim);
  const order = x.shape.map((_, i) => i);
  order[a] = b;
  order[b] = a;
  return permute(x, order);
}

export function t(x: Tensor): Tensor {
  checkTensor("t", x);
  if (x.ndim > 2) throw new Error(`t: expects a tensor with ≤ 2 dims, got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor("squeeze", x);
  let keep: number[];
  if (dim === undefined) keep = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  else {
    const d = normDim("squeeze", dim, x.ndim);
    keep = x.shape.map((_, i) => i).filter((i) => i !== d || x.shape[i] !== 1);
  }
  if (keep.length === x.ndim) return x;
  const out = viewOf(x, keep.map((i) => x.shape[i]), keep.map((i) => x.strides[i]));
  return record("SqueezeBackward", out, [x], (g) => [reshape(g, x.shape)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor("unsqueeze", x);
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  const out = viewOf(x, shape, strides);
  return record("UnsqueezeBackward", out, [x], (g) => [reshape(g, x.shape)]);
}

/** Broadcast to a larger shape without copying (-1 keeps a size). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("expand", x);
  if (shape.length < x.ndim) {
    throw new Error(`expand: the target shape ${fmtShape(shape)} has fewer dims than the input's ${fmtShape(x.shape)}`);
  }
  const lead = shape.length - x.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const src = i < lead ? 1 : x.shape[i - lead];
    let s = shape[i];
    if (s === -1) {
      if (i < lead) throw new Error(`expand: -1 is not allowed for a new leading dim (target ${fmtShape(shape)})`);
      s = src;
    }
    if (src !== s && src !== 1) {
      throw new Error(`expand: the input's size ${src} at dim ${i - lead} must match the target size ${s} or be 1 (input ${fmtShape(x.shape)}, target ${fmtShape(shape)})`);
    }
    outShape.push(s);
    strides.push(i < lead || (src === 1 && s !== 1) ? 0 : x.strides[i - lead]);
  }
  if (shapeEquals(outShape, x.shape)) return x;
  const out = viewOf(x, outShape, strides);
  return record("ExpandBackward", out, [x], (g) => [sumToShape(g, x.shape)]);
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor("narrow", x);
  if (x.ndim === 0) throw new Error("narrow: cannot narrow a 0-d tensor");
  const d = normDim("narrow", dim, x.ndim);
  const size = x.shape[d];
  if (Number.isInteger(start) && start < 0) start += size;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new Error(`narrow: start ${start} and length ${length} are out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  const shape = x.shape.slice();
  shape[d] = length;
  const out = viewOf(x, shape, x.strides, x.offset + start * x.strides[d]);
  return record("NarrowBackward", out, [x], (g) => {
    const before = x.shape.slice(); before[d] = start;
    const after = x.shape.slice(); after[d] = size - start - length;
    const parts = [zeros(before, { dtype: g.dtype }), g, zeros(after, { dtype: g.dtype })].filter((p) => p.shape[d] > 0);
    return [parts.length === 1 ? parts[0] : cat(parts, d)];
  });
}

/** The slice at `index` along dim, with that dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor("select", x);
  const d = normDim("select", dim, x.ndim);
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new Error(`select: index ${index} is out of range for dim ${d} of size ${size}`);
  }
  return squeeze(narrow(x, d, index < 0 ? index + size : index, 1), d);
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor("chunk", x);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim("chunk", dim, x.ndim);
  const step = Math.ceil(x.shape[d] / chunks);
  return split(x, Math.max(step, 1), d);
}

export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  checkTensor("split", x);
  const d = normDim("split", dim, x.ndim);
  const n = x.shape[d];
  let lens: number[];
  if (typeof sizes === "number") {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new Error(`split: split size must be a positive integer, got ${sizes}`);
    lens = [];
    for (let s = 0; s < n; s += sizes) lens.push(Math.min(sizes, n - s));
    if (n === 0) lens = [0];
  } else {
    lens = sizes.slice();
    const total = lens.reduce((a, b) => a + b, 0);
    if (total !== n) throw new Error(`split: sections ${fmtShape(lens)} sum to ${total}, but dim ${d} has size ${n}`);
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const len of lens) {
    out.push(narrow(x, d, start, len));
    start += len;
  }
  return out;
}

/** Concatenate along an existing dim. */
export function cat(inputs: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new Error("cat: expects a non-empty array of tensors");
  // Our own copy: the backward closure must not see later changes to the caller's array.
  const tensors = inputs.slice();
  tensors.forEach((t, i) => checkTensor("cat", t, `tensors[${i}]`));
  const first = tensors[0];
  const d = normDim("cat", dim, first.ndim);
  const dtype = first.dtype;
  let total = 0;
  tensors.forEach((t, i) => {
    if (t.dtype !== dtype) throw new Error(`cat: tensors[${i}] is ${t.dtype} but tensors[0] is ${dtype}`);
    if (t.ndim !== first.ndim || t.shape.some((s: number, j: number) => j !== d && s !== first.shape[j])) {
      throw new Error(`cat: tensors[${i}] has shape ${fmtShape(t.shape)}, which does not match tensors[0]'s ${fmtShape(first.shape)} except in dim ${d}`);
    }
    total += t.shape[d];
  });
  const shape = first.shape.slice();
  shape[d] = total;
  const data = allocate(dtype, numel(shape));
  const outT = Tensor.fromData(data, shape);
  let start = 0;
  for (const t of tensors) {
    const len = t.shape[d];
    if (len > 0) {
      const dst = new Tensor(data, t.shape, outT.strides, start * outT.strides[d]);
      kernels().assignKernel(dst, t.dataRowMajor());
    }
    start += len;
  }
  return record("CatBackward", outT, tensors, (g) => {
    let s = 0;
    return tensors.map((t) => {
      const piece = narrow(g, d, s, t.shape[d]);
      s += t.shape[d];
      return piece;
    });
  });
}

/** Join along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("stack: expects a non-empty array of tensors");
  tensors.forEach((t, i) => {
    checkTensor("stack", t, `tensors[${i}]`);
    if (!shapeEquals(t.shape, tensors[0].shape)) {
      throw new Error(`stack: tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has ${fmtShape(tensors[0].shape)}; stack needs equal shapes`);
    }
  });
  const d = normDim("stack", dim, tensors[0].ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Tile the tensor: repeat(2, 3) on [a, b] gives [2a, 3b] (torch.Tensor.repeat). */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  checkTensor("repeat", x);
  if (sizes.length < x.ndim) throw new Error(`repeat: got ${sizes.length} repeat counts for a tensor with ${x.ndim} dims`);
  const lead = sizes.length - x.ndim;
  const src = [...new Array(lead).fill(1), ...x.shape];
  const inter: number[] = [];
  const big: number[] = [];
  src.forEach((s, i) => { inter.push(1, s); big.push(sizes[i], s); });
  return reshape(expand(reshape(x, inter), big), src.map((s, i) => s * sizes[i]));
}
