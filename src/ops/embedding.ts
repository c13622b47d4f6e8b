// Embedding lookup (torch.nn.functional.embedding): rows of a [numEmbeddings, dim] weight picked
// by an int32 index tensor of any shape.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";
import { kernels } from "../backend/backend.js";
import { record } from "../autograd/node.js";
import { noGrad } from "../autograd/grad_mode.js";
import { checkFloat, checkInt, checkTensor } from "./util.js";
import { mul } from "./elementwise.js";
import { indexAdd } from "./indexing.js";
import { reshape } from "./shape.js";

export interface EmbeddingOptions {
  /** Row whose gradient is always zero (a padding token); negative counts from the end. */
  paddingIdx?: number | null;
  /** Renormalise, in place, every looked-up row whose normType-norm exceeds maxNorm. */
  maxNorm?: number | null;
  /** The p of the norm for maxNorm (default 2). */
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the batch. */
  scaleGradByFreq?: boolean;
}

/** PyTorch's embedding_renorm_: rows used by `idx` with norm > maxNorm are scaled to maxNorm. */
function renorm(weight: Tensor, idx: ArrayLike<number>, maxNorm: number, p: number): void {
  const [num, dim] = weight.shape;
  const w = weight.copyRowMajor();
  const seen = new Uint8Array(num);
  let changed = false;
  for (let k = 0; k < idx.length; k++) {
    const r = idx[k];
    if (seen[r]) continue;
    seen[r] = 1;
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const a = Math.abs(w[r * dim + j]);
      norm = p === Infinity ? Math.max(norm, a) : norm + (p === 2 ? a * a : p === 1 ? a : Math.pow(a, p));
    }
    if (p !== Infinity && p !== 1) norm = p === 2 ? Math.sqrt(norm) : Math.pow(norm, 1 / p);
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0; j < dim; j++) w[r * dim + j] *= scale;
      changed = true;
    }
  }
  if (changed) {
    kernels().assignKernel(weight, w);
    weight._version.v++;
  }
}

/**
 * Look up rows of `weight` ([numEmbeddings, dim]) for every int32 index in `input`; the
 * output has shape [...input.shape, dim]. Rows at paddingIdx get no gradient.
 * @example F.embedding(tensor([[1, 2], [0, 1]], { dtype: "int32" }), randn([10, 3])) // [2, 2, 3]
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const op = "embedding";
  checkTensor(op, input);
  checkTensor(op, weight, "weight");
  checkInt(op, input, "input (indices)");
  checkFloat(op, weight, "weight");
  if (weight.ndim !== 2) throw new Error(`${op}: weight must be 2-d [numEmbeddings, dim], got shape ${fmtShape(weight.shape)}`);
  const [num, dim] = weight.shape;
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num) {
      throw new Error(`${op}: paddingIdx must be within numEmbeddings (${num}), got ${paddingIdx}`);
    }
    if (paddingIdx < 0) paddingIdx += num;
  }
  const idx = input.dataRowMajor();
  for (let k = 0; k < idx.length; k++) {
    if (idx[k] < 0 || idx[k] >= num) {
      throw new Error(`${op}: index ${idx[k]} is out of range for ${num} embeddings (weight shape ${fmtShape(weight.shape)}); indices must be in [0, ${num - 1}]`);
    }
  }
  if (options.maxNorm != null) {
    const p = options.normType ?? 2;
    if (!(options.maxNorm >= 0)) throw new Error(`${op}: maxNorm must be a number ≥ 0, got ${options.maxNorm}`);
    if (!(p > 0)) throw new Error(`${op}: normType must be > 0, got ${p}`);
    noGrad(() => renorm(weight, idx, options.maxNorm!, p));
  }
  const w = weight.dataRowMajor();
  const out = allocate(weight.dtype, idx.length * dim);
  for (let k = 0; k < idx.length; k++) {
    const s = idx[k] * dim;
    const t = k * dim;
    for (let j = 0; j < dim; j++) out[t + j] = w[s + j];
  }
  const y = Tensor.fromData(out, [...input.shape, dim]);
  const pad = paddingIdx;
  const freq = options.scaleGradByFreq ?? false;
  return record("EmbeddingBackward", y, [weight], (g) => {
    const flatIdx = reshape(input, [idx.length]);
    let g2 = reshape(g, [idx.length, dim]);
    if (pad !== null || freq) {
      // A constant per-row factor: 0 at the padding index, 1/count with scaleGradByFreq.
      const counts = new Int32Array(num);
      if (freq) for (let k = 0; k < idx.length; k++) counts[idx[k]]++;
      const f = allocate(g.dtype, idx.length);
      for (let k = 0; k < idx.length; k++) f[k] = idx[k] === pad ? 0 : freq ? 1 / counts[idx[k]] : 1;
      g2 = mul(g2, Tensor.fromData(f, [idx.length, 1]));
    }
    return [indexAdd(zeros([num, dim], { dtype: g.dtype }), 0, flatIdx, g2)];
  }, { saved: [input] });
}
