// Indexing ops: indexSelect, indexAdd, gather, scatterAdd, oneHot. Indices are int32.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { fmtShape, normDim, numel } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";
import { record } from "../autograd/node.js";
import { checkInt, checkTensor } from "./util.js";
import { cat, narrow } from "./shape.js";

function checkIndexRange(opName: string, idx: ArrayLike<number>, size: number, dim: number): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (v < 0 || v >= size) throw new Error(`${opName}: index ${v} is out of range for dim ${dim} of size ${size}`);
  }
}

/** Rows (along dim) picked by a 1-d int32 index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor("indexSelect", x);
  checkTensor("indexSelect", index, "index");
  checkInt("indexSelect", index);
  if (index.ndim > 1) throw new Error(`indexSelect: index must be 0-d or 1-d, got shape ${fmtShape(index.shape)}`);
  const d = normDim("indexSelect", dim, x.ndim);
  const idx = index.dataRowMajor();
  const n = x.ndim === 0 ? 1 : x.shape[d];
  checkIndexRange("indexSelect", idx, n, d);
  const outer = numel(x.shape.slice(0, d));
  const inner = numel(x.shape.slice(d + 1));
  const src = x.dataRowMajor();
  const k = idx.length;
  const out = allocate(x.dtype, outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const s = (o * n + idx[j]) * inner;
      const t = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[t + i] = src[s + i];
    }
  }
  const shape = x.ndim === 0 ? [] : x.shape.slice();
  if (x.ndim > 0) shape[d] = k;
  const y = Tensor.fromData(out, shape);
  return record("IndexSelectBackward", y, [x], (g) => [indexAdd(zeros(x.shape, { dtype: g.dtype }), d, index, g)]);
}

/** x with `src`'s slices added at the rows (along dim) named by a 1-d index (out of place). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor("indexAdd", x);
  checkInt("indexAdd", index);
  const d = normDim("indexAdd", dim, x.ndim);
  const idx = index.dataRowMajor();
  const n = x.ndim === 0 ? 1 : x.shape[d];
  checkIndexRange("indexAdd", idx, n, d);
  const expected = x.shape.slice();
  if (x.ndim > 0) expected[d] = idx.length;
  if (src.shape.length !== expected.length || src.shape.some((s, i) => s !== expected[i])) {
    throw new Error(`indexAdd: source has shape ${fmtShape(src.shape)}, expected ${fmtShape(expected)}`);
  }
  const outer = numel(x.shape.slice(0, d));
  const inner = numel(x.shape.slice(d + 1));
  const out = x.copyRowMajor();
  const s = src.dataRowMajor();
  const k = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const t = (o * n + idx[j]) * inner;
      const f = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[t + i] += s[f + i];
    }
  }
  const y = Tensor.fromData(out, x.shape);
  return record("IndexAddBackward", y, [x, src], (g) => [g, indexSelect(g, d, index)]);
}

/** For each position of `index`, the offsets into x (gathered dim replaced by the index value). */
function scatterOffsets(opName: string, shape: readonly number[], d: number, index: Tensor): Int32Array {
  const idx = index.dataRowMajor();
  if (index.ndim !== shape.length) {
    throw new Error(`${opName}: index must have as many dims as the input (${shape.length}), got shape ${fmtShape(index.shape)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    if (i !== d && index.shape[i] > shape[i]) {
      throw new Error(`${opName}: index shape ${fmtShape(index.shape)} is larger than the input's ${fmtShape(shape)} in dim ${i}`);
    }
  }
  checkIndexRange(opName, idx, shape[d], d);
  const strides = shape.map((_, i) => numel(shape.slice(i + 1)));
  const offs = new Int32Array(idx.length);
  const pos = new Array<number>(index.ndim).fill(0);
  for (let k = 0; k < idx.length; k++) {
    let o = 0;
    for (let i = 0; i < pos.length; i++) o += (i === d ? idx[k] : pos[i]) * strides[i];
    offs[k] = o;
    for (let i = pos.length - 1; i >= 0; i--) {
      if (++pos[i] < index.shape[i]) break;
      pos[i] = 0;
    }
  }
  return offs;
}

/** out[i][j] = x[i][index[i][j]] (for dim 1); out has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor("gather", x);
  checkTensor("gather", index, "index");
  checkInt("gather", index);
  const d = normDim("gather", dim, x.ndim);
  const offs = scatterOffsets("gather", x.shape, d, index);
  const src = x.dataRowMajor();
  const out = allocate(x.dtype, offs.length);
  for (let k = 0; k < offs.length; k++) out[k] = src[offs[k]];
  const y = Tensor.fromData(out, index.shape);
  return record("GatherBackward", y, [x], (g) => [scatterAdd(zeros(x.shape, { dtype: g.dtype }), d, index, g)], { saved: [index] });
}

/** Out of place: x with src[...] added at the positions index names along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor("scatterAdd", x);
  checkTensor("scatterAdd", index, "index");
  checkTensor("scatterAdd", src, "src");
  checkInt("scatterAdd", index);
  const d = normDim("scatterAdd", dim, x.ndim);
  if (src.ndim !== index.ndim || index.shape.some((s, i) => s > src.shape[i])) {
    throw new Error(`scatterAdd: src shape ${fmtShape(src.shape)} must be at least index shape ${fmtShape(index.shape)} in every dim`);
  }
  const offs = scatterOffsets("scatterAdd", x.shape, d, index);
  const out = x.copyRowMajor();
  // src may be larger than index: read it at index's positions.
  const s = src.shape.every((v, i) => v === index.shape[i]) ? src.dataRowMajor() : narrowTo(src, index.shape).dataRowMajor();
  for (let k = 0; k < offs.length; k++) out[offs[k]] += s[k];
  const y = Tensor.fromData(out, x.shape);
  return record("ScatterAddBackward", y, [x, src], (g) => [g, src._requiresGrad ? padTo(gather(g, d, index), src.shape) : null], { saved: [index] });
}

/** The leading corner of x with the given (smaller or equal) shape. */
function narrowTo(x: Tensor, shape: readonly number[]): Tensor {
  let y = x;
  shape.forEach((s, i) => { if (y.shape[i] !== s) y = narrow(y, i, 0, s); });
  return y;
}

/** Zero-pad a tensor at the end of each dim up to `shape`. */
function padTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.every((s, i) => s === shape[i])) return x;
  let y = x;
  for (let i = 0; i < shape.length; i++) {
    if (y.shape[i] < shape[i]) {
      const extra = y.shape.slice();
      extra[i] = shape[i] - y.shape[i];
      y = cat([y, zeros(extra, { dtype: y.dtype })], i);
    }
  }
  return y;
}

/** One-hot encoding of int32 labels: shape [..., numClasses] (int32, like PyTorch's int64). */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  checkTensor("oneHot", labels, "labels");
  checkInt("oneHot", labels, "labels");
  const v = labels.dataRowMajor();
  let n = numClasses;
  if (n === -1) { n = 0; for (let i = 0; i < v.length; i++) n = Math.max(n, v[i] + 1); }
  if (!Number.isInteger(n) || n <= 0) throw new Error(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const out = new Int32Array(v.length * n);
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= n) throw new Error(`oneHot: label ${v[i]} is out of range for ${n} classes`);
    out[i * n + v[i]] = 1;
  }
  return Tensor.fromData(out, [...labels.shape, n]);
}
