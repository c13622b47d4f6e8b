// The Tensor: a strided view over a plain typed array, plus the autograd bookkeeping.
//
// Views (reshape, transpose, narrow, expand ...) share `storage` and differ in shape, strides
// and offset; nothing is copied until a kernel needs contiguous data. Every op method below is
// a one-line hop through the dispatch table (see dispatch.ts) so that this folder never imports
// the ops; the ops hold the checks, the forward and the backward.

import { type DType, type TypedArray, allocate, allocateForOverwrite, dtypeOf, isFloating } from "./dtype.js";
import { contiguousStrides, numel, type Shape } from "./shape.js";
import { op } from "./dispatch.js";
import { freshArray } from "./pool.js";
import { formatTensor } from "./format.js";

/** What a tensor knows about the graph node that produced it (the node itself lives in autograd/). */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly (Tensor | null)[];
  /** Set when the output tensor retains its grad or has hooks, so backward can reach it. */
  output: Tensor | null;
}

/** Shared by a tensor and all its views: bumped by every in-place write so autograd can detect stale saved tensors. */
export interface VersionCounter {
  v: number;
}

export type Scalar = number;
export type TensorOrScalar = Tensor | number;
export type Dims = number | readonly number[];
export type NestedArray = number | boolean | readonly NestedArray[];

export interface BackwardOptions {
  /** Keep the graph's saved tensors so backward can be called through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so gradients can be differentiated again. */
  createGraph?: boolean;
}

export class Tensor {
  /** @internal Raw storage, shared by views. Use toArray() for a copy you may keep. */
  storage: TypedArray;
  readonly shape: readonly number[];
  /** @internal */
  readonly strides: readonly number[];
  /** @internal */
  readonly offset: number;
  readonly dtype: DType;
  /** Accumulated gradient (leaves, and non-leaves that called retainGrad()). */
  grad: Tensor | null = null;
  /** The node that produced this tensor, or null for leaves. */
  gradFn: GradNode | null = null;
  /** @internal */
  _requiresGrad = false;
  /** @internal */
  _retainsGrad = false;
  /** @internal */
  _version: VersionCounter;
  /** @internal Hooks run on this tensor's gradient during backward. */
  _hooks: ((grad: Tensor) => Tensor | void)[] | null = null;

  /** @internal Build a tensor over existing storage. Users call tensor(), zeros(), ... instead. */
  constructor(storage: TypedArray, shape: Shape, strides?: readonly number[], offset = 0, version?: VersionCounter) {
    this.storage = storage;
    this.shape = Object.freeze(shape.slice());
    this.strides = Object.freeze(strides ? strides.slice() : contiguousStrides(shape));
    this.offset = offset;
    this.dtype = dtypeOf(storage);
    this._version = version ?? { v: 0 };
  }

  /** @internal A fresh contiguous tensor over `data` (which must have exactly numel(shape) elements). */
  static fromData(data: TypedArray, shape: Shape): Tensor {
    if (data.length !== numel(shape)) {
      throw new Error(`Tensor.fromData: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${numel(shape)}`);
    }
    return new Tensor(data, shape);
  }

  /** @internal A zero-filled contiguous tensor. */
  static empty(shape: Shape, dtype: DType): Tensor {
    return new Tensor(allocate(dtype, numel(shape)), shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements (like numpy's `size`; PyTorch's numel()). */
  get size(): number {
    return numel(this.shape);
  }

  numel(): number {
    return numel(this.shape);
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /** Set requiresGrad in place (leaves only, floating dtypes only); returns this. */
  requiresGrad_(value = true): this {
    if (value && !isFloating(this.dtype)) {
      throw new Error(`requiresGrad: only floating point tensors can require gradients, got dtype ${this.dtype}`);
    }
    if (!this.isLeaf && !value) {
      throw new Error(`requiresGrad: cannot turn off requiresGrad on a non-leaf tensor (produced by ${this.gradFn!.name}); use detach()`);
    }
    this._requiresGrad = value;
    return this;
  }

  /** Keep .grad on this non-leaf tensor during backward. */
  retainGrad(): this {
    if (!this._requiresGrad) throw new Error("retainGrad: tensor does not require grad");
    this._retainsGrad = true;
    if (this.gradFn) this.gradFn.output = this;
    return this;
  }

  /** Register a function run on this tensor's gradient during backward; it may return a replacement. */
  registerHook(fn: (grad: Tensor) => Tensor | void): () => void {
    if (!this._requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that does not require grad");
    (this._hooks ??= []).push(fn);
    if (this.gradFn) this.gradFn.output = this;
    return () => {
      const i = this._hooks?.indexOf(fn) ?? -1;
      if (i >= 0) this._hooks!.splice(i, 1);
    };
  }

  /** True when elements are laid out row-major without gaps (offset may be non-zero). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /** @internal Whether this tensor is contiguous and is the whole of its storage (no other view can reach past it). */
  coversStorage(): boolean {
    return this.offset === 0 && this.storage.length === this.size && this.isContiguous();
  }

  /**
   * @internal The elements in row-major order: the storage itself when this tensor is contiguous
   * and covers it exactly, else a fresh copy. Callers must not write to the result.
   */
  dataRowMajor(): TypedArray {
    const n = this.size;
    if (this.isContiguous()) {
      if (this.offset === 0 && this.storage.length === n) return this.storage;
      return this.storage.subarray(this.offset, this.offset + n);
    }
    return this.copyRowMajor();
  }

  /** @internal Copy the elements in row-major order into a new typed array (pooled unless `fresh`). */
  copyRowMajor(fresh = false): TypedArray {
    const n = this.size;
    const out = fresh ? freshArray(this.dtype, n) : allocateForOverwrite(this.dtype, n);
    if (n === 0) return out;
    const nd = this.ndim;
    if (this.isContiguous()) {
      out.set(this.storage.subarray(this.offset, this.offset + n));
      return out;
    }
    const src = this.storage;
    const shape = this.shape;
    const strides = this.strides;
    const last = nd - 1;
    const innerN = shape[last];
    const innerS = strides[last];
    const idx = new Array<number>(nd).fill(0);
    let base = this.offset;
    let o = 0;
    for (;;) {
      for (let j = 0, p = base; j < innerN; j++, p += innerS) out[o++] = src[p];
      let d = last - 1;
      for (; d >= 0; d--) {
        idx[d]++;
        base += strides[d];
        if (idx[d] < shape[d]) break;
        base -= strides[d] * shape[d];
        idx[d] = 0;
      }
      if (d < 0) break;
    }
    return out;
  }

  /** A copy of the elements as a flat row-major typed array (never aliases the tensor's storage). */
  toArray(): TypedArray {
    return this.copyRowMajor(true);
  }

  /** The elements as nested JS arrays (a number for a 0-d tensor). */
  tolist(): NestedArray {
    const data = this.dataRowMajor();
    if (this.ndim === 0) return data[0];
    const build = (dim: number, start: number): NestedArray[] => {
      const n = this.shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === this.ndim - 1) {
        for (let i = 0; i < n; i++) out[i] = data[start + i];
        return out;
      }
      let step = 1;
      for (let d = dim + 1; d < this.ndim; d++) step *= this.shape[d];
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, start + i * step);
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new Error(`item: only one-element tensors can be converted to a number, got shape [${this.shape.join(", ")}] (${this.size} elements)`);
    }
    return this.storage[this.offset];
  }

  /** A tensor sharing storage but cut from the graph (requiresGrad false). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this._version);
  }

  /** Shares storage, detached from the graph (PyTorch's `.data`). */
  get data(): Tensor {
    return this.detach();
  }

  /** Compute gradients of this tensor with respect to graph leaves, accumulating into their .grad. */
  backward(gradient?: Tensor | null, options: BackwardOptions = {}): void {
    op("backward")([this], [gradient ?? null], options);
  }

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ---- conversion -------------------------------------------------------------------------
  to(dtype: DType): Tensor { return op("to")(this, dtype); }
  float(): Tensor { return op("to")(this, "float32"); }
  double(): Tensor { return op("to")(this, "float64"); }
  int(): Tensor { return op("to")(this, "int32"); }
  clone(): Tensor { return op("clone")(this); }
  contiguous(): Tensor { return this.isContiguous() ? this : op("clone")(this); }

  // ---- elementwise arithmetic (tensor or number, broadcasting) ------------------------------
  add(other: TensorOrScalar, alpha?: number): Tensor { return op("add")(this, other, alpha); }
  sub(other: TensorOrScalar, alpha?: number): Tensor { return op("sub")(this, other, alpha); }
  mul(other: TensorOrScalar): Tensor { return op("mul")(this, other); }
  div(other: TensorOrScalar): Tensor { return op("div")(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return op("pow")(this, exponent); }
  /** Elementwise maximum with a tensor or number. */
  maximum(other: TensorOrScalar): Tensor { return op("maximum")(this, other); }
  /** Elementwise minimum with a tensor or number. */
  minimum(other: TensorOrScalar): Tensor { return op("minimum")(this, other); }
  clamp(min?: number | null, max?: number | null): Tensor { return op("clamp")(this, min, max); }
  neg(): Tensor { return op("neg")(this); }
  exp(): Tensor { return op("exp")(this); }
  log(): Tensor { return op("log")(this); }
  log1p(): Tensor { return op("log1p")(this); }
  sqrt(): Tensor { return op("sqrt")(this); }
  rsqrt(): Tensor { return op("rsqrt")(this); }
  square(): Tensor { return op("square")(this); }
  reciprocal(): Tensor { return op("reciprocal")(this); }
  abs(): Tensor { return op("abs")(this); }
  sign(): Tensor { return op("sign")(this); }
  sin(): Tensor { return op("sin")(this); }
  cos(): Tensor { return op("cos")(this); }
  tanh(): Tensor { return op("tanh")(this); }
  sigmoid(): Tensor { return op("sigmoid")(this); }
  relu(): Tensor { return op("relu")(this); }
  floor(): Tensor { return op("floor")(this); }
  ceil(): Tensor { return op("ceil")(this); }
  round(): Tensor { return op("round")(this); }

  // ---- comparisons (result: float32 0/1 mask for float inputs' dtype; see ops/compare.ts) ---
  eq(other: TensorOrScalar): Tensor { return op("eq")(this, other); }
  ne(other: TensorOrScalar): Tensor { return op("ne")(this, other); }
  lt(other: TensorOrScalar): Tensor { return op("lt")(this, other); }
  le(other: TensorOrScalar): Tensor { return op("le")(this, other); }
  gt(other: TensorOrScalar): Tensor { return op("gt")(this, other); }
  ge(other: TensorOrScalar): Tensor { return op("ge")(this, other); }

  // ---- reductions ---------------------------------------------------------------------------
  sum(dim?: Dims | null, keepdim = false): Tensor { return op("sum")(this, dim, keepdim); }
  mean(dim?: Dims | null, keepdim = false): Tensor { return op("mean")(this, dim, keepdim); }
  var(dim?: Dims | null, options?: { unbiased?: boolean; correction?: number; keepdim?: boolean }): Tensor { return op("var")(this, dim, options); }
  std(dim?: Dims | null, options?: { unbiased?: boolean; correction?: number; keepdim?: boolean }): Tensor { return op("std")(this, dim, options); }
  logsumexp(dim: Dims, keepdim = false): Tensor { return op("logsumexp")(this, dim, keepdim); }
  norm(p: number = 2, dim?: Dims | null, keepdim = false): Tensor { return op("norm")(this, p, dim, keepdim); }
  /** max() over all elements; max(dim, keepdim) → { values, indices } like PyTorch; max(tensor) elementwise. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(other: Tensor): Tensor;
  max(dimOrOther?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dimOrOther instanceof Tensor) return op("maximum")(this, dimOrOther);
    return op("max")(this, dimOrOther, keepdim);
  }
  /** min() over all elements; min(dim, keepdim) → { values, indices } like PyTorch; min(tensor) elementwise. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(other: Tensor): Tensor;
  min(dimOrOther?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dimOrOther instanceof Tensor) return op("minimum")(this, dimOrOther);
    return op("min")(this, dimOrOther, keepdim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor { return op("argmax")(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return op("argmin")(this, dim, keepdim); }

  // ---- linear algebra -----------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return op("matmul")(this, other); }
  mm(other: Tensor): Tensor { return op("mm")(this, other); }
  bmm(other: Tensor): Tensor { return op("bmm")(this, other); }

  // ---- shape and views ----------------------------------------------------------------------
  reshape(...shape: number[] | [readonly number[]]): Tensor { return op("reshape")(this, flatShape(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return op("view")(this, flatShape(shape)); }
  viewAs(other: Tensor): Tensor { return op("view")(this, other.shape); }
  reshapeAs(other: Tensor): Tensor { return op("reshape")(this, other.shape); }
  transpose(dim0: number, dim1: number): Tensor { return op("transpose")(this, dim0, dim1); }
  /** Transpose of a ≤2-d tensor. */
  t(): Tensor { return op("t")(this); }
  get T(): Tensor { return op("permute")(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return op("permute")(this, flatShape(dims)); }
  flatten(startDim = 0, endDim = -1): Tensor { return op("flatten")(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return op("unflatten")(this, dim, sizes); }
  squeeze(dim?: number): Tensor { return op("squeeze")(this, dim); }
  unsqueeze(dim: number): Tensor { return op("unsqueeze")(this, dim); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return op("expand")(this, flatShape(shape)); }
  expandAs(other: Tensor): Tensor { return op("expand")(this, other.shape); }
  narrow(dim: number, start: number, length: number): Tensor { return op("narrow")(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return op("select")(this, dim, index); }
  chunk(chunks: number, dim = 0): Tensor[] { return op("chunk")(this, chunks, dim); }
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] { return op("split")(this, splitSizeOrSections, dim); }
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return op("repeat")(this, flatShape(sizes)); }

  // ---- indexing -----------------------------------------------------------------------------
  indexSelect(dim: number, index: Tensor): Tensor { return op("indexSelect")(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return op("gather")(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return op("scatterAdd")(this, dim, index, src); }
  maskedFill(mask: Tensor, value: number): Tensor { return op("maskedFill")(this, mask, value); }

  // ---- nn shortcuts -------------------------------------------------------------------------
  softmax(dim: number): Tensor { return op("softmax")(this, dim); }
  logSoftmax(dim: number): Tensor { return op("logSoftmax")(this, dim); }

  // ---- in-place (allowed on tensors outside a recorded graph, e.g. under noGrad) -------------
  zero_(): this { op("fill_")(this, 0); return this; }
  fill_(value: number): this { op("fill_")(this, value); return this; }
  copy_(src: Tensor): this { op("copy_")(this, src); return this; }
  add_(other: TensorOrScalar, alpha?: number): this { op("inplace")(this, "add", other, alpha); return this; }
  sub_(other: TensorOrScalar, alpha?: number): this { op("inplace")(this, "sub", other, alpha); return this; }
  mul_(other: TensorOrScalar): this { op("inplace")(this, "mul", other); return this; }
  div_(other: TensorOrScalar): this { op("inplace")(this, "div", other); return this; }
  clamp_(min?: number | null, max?: number | null): this { op("copy_")(this, op("clamp")(this.detach(), min, max)); return this; }
}

/** Accept both `reshape(2, 3)` and `reshape([2, 3])`. */
function flatShape(args: number[] | [readonly number[]]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return args as number[];
}
