// default collate: turns a list of samples into a batch (torch.utils.data.default_collate).

import { Tensor } from "../tensor/tensor.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { isImage } from "./image.js";

/** @internal Buffers allocated by collate: the loader's workers may transfer these without copying. */
export const collateOwned = new WeakSet<ArrayBufferLike>();

function stackTensors(ts: Tensor[]): Tensor {
  const first = ts[0];
  ts.forEach((t, k) => {
    if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((s, d) => s !== first.shape[d])) {
      throw new Error(`collate: sample ${k} is a ${t.dtype} tensor of shape [${t.shape.join(", ")}] but sample 0 is ${first.dtype} [${first.shape.join(", ")}]; ` +
        "default collate stacks equal shapes (resize or crop in a transform, or pass a collateFn)");
    }
  });
  const n = first.size;
  const out: TypedArray = allocate(first.dtype, n * ts.length);
  ts.forEach((t, k) => out.set(t.dataRowMajor() as never, k * n));
  collateOwned.add(out.buffer);
  return Tensor.fromData(out, [ts.length, ...first.shape]);
}

/**
 * Stacks a batch of samples, recursing into arrays (tuples) and plain objects:
 * - Tensors → stacked along a new first dimension (same dtype);
 * - numbers → an int32 tensor when all are integers, else float32 (JS has one number type,
 *   so an integral float batch also becomes int32);
 * - Images (HWC uint8) → a float32 [B, C, H, W] tensor scaled to [0, 1], exactly what ToTensor
 *   then stacking would give (Kestrel has no uint8 dtype);
 * - strings, booleans and anything else → left as a plain array.
 */
export function defaultCollate(batch: readonly unknown[]): unknown {
  if (batch.length === 0) throw new Error("collate: got an empty batch");
  const e = batch[0];
  if (e instanceof Tensor) return stackTensors(batch as Tensor[]);
  if (typeof e === "number") {
    const allInt = batch.every((v) => Number.isInteger(v));
    const out = allInt ? new Int32Array(batch.length) : new Float32Array(batch.length);
    batch.forEach((v, k) => {
      if (typeof v !== "number") throw new Error(`collate: sample ${k} is ${typeof v} but sample 0 is a number`);
      out[k] = v;
    });
    collateOwned.add(out.buffer);
    return Tensor.fromData(out, [batch.length]);
  }
  if (isImage(e)) {
    const { height: h, width: w, channels: c } = e;
    const plane = h * w, per = plane * c;
    const out = new Float32Array(batch.length * per);
    batch.forEach((im, k) => {
      if (!isImage(im) || im.height !== h || im.width !== w || im.channels !== c) {
        throw new Error(`collate: sample ${k} is not a ${h}×${w}×${c} Image like sample 0; resize or crop them in a transform`);
      }
      const d = im.data, b = k * per;
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[b + ch * plane + p] = d[p * c + ch] / 255;
    });
    collateOwned.add(out.buffer);
    return Tensor.fromData(out, [batch.length, c, h, w]);
  }
  if (Array.isArray(e)) {
    batch.forEach((s, k) => {
      if (!Array.isArray(s) || s.length !== e.length) {
        throw new Error(`collate: each element in the batch should be of equal size; sample ${k} has ${Array.isArray(s) ? s.length : "no"} elements, sample 0 has ${e.length}`);
      }
    });
    return e.map((_, j) => defaultCollate(batch.map((s) => (s as unknown[])[j])));
  }
  if (e !== null && typeof e === "object" && Object.getPrototypeOf(e) === Object.prototype) {
    return Object.fromEntries(Object.keys(e).map((key) => [key, defaultCollate(batch.map((s) => (s as Record<string, unknown>)[key]))]));
  }
  return batch.slice();
}
