// Moving samples and batches from a worker thread to the loop: tensors and images travel as
// their typed arrays. Buffers that collate allocated are transferred (moved, no copy); any other
// array is copied first, since it may be a view into the dataset's own storage.

import { Tensor } from "../tensor/tensor.js";
import { collateOwned } from "./collate.js";

function looksLikeTensor(v: object): v is Tensor {
  const t = v as Partial<Tensor>;
  return v instanceof Tensor || (ArrayBuffer.isView(t.storage) && Array.isArray(t.shape) && Array.isArray(t.strides) && typeof t.dtype === "string");
}

function own<A extends ArrayBufferView>(a: A, copy: () => A, transfer: ArrayBuffer[]): A {
  const buf = a.buffer;
  if (collateOwned.has(buf) && a.byteOffset === 0 && a.byteLength === buf.byteLength && !transfer.includes(buf as ArrayBuffer)) {
    transfer.push(buf as ArrayBuffer);
    return a;
  }
  const c = copy();
  transfer.push(c.buffer as ArrayBuffer);
  return c;
}

/** Encodes a sample or batch for postMessage, listing the buffers to transfer. */
export function encode(v: unknown, transfer: ArrayBuffer[]): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => encode(x, transfer));
  if (looksLikeTensor(v)) {
    const data = v.isContiguous() && v.offset === 0 && v.storage.length === v.size
      ? own(v.storage, () => v.toArray(), transfer)
      : v.toArray();
    if (!transfer.includes(data.buffer as ArrayBuffer)) transfer.push(data.buffer as ArrayBuffer);
    return { $t: data, shape: v.shape.slice() };
  }
  if (ArrayBuffer.isView(v)) return v;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const o = v as Record<string, unknown>;
    if (o.data instanceof Uint8Array && typeof o.height === "number") {
      // An Image: copy its bytes (it may alias the dataset) and move the copy.
      const data = own(o.data, () => (o.data as Uint8Array).slice(), transfer);
      return { ...o, data };
    }
    return { $o: Object.fromEntries(Object.entries(o).map(([k, x]) => [k, encode(x, transfer)])) };
  }
  return v; // anything else goes through structured clone as is
}

/** Inverse of encode, on the loop's thread. */
export function decode(v: unknown): unknown {
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, any>;
  if ("$t" in o) return Tensor.fromData(o.$t, o.shape);
  if ("$o" in o) return Object.fromEntries(Object.entries(o.$o as Record<string, unknown>).map(([k, x]) => [k, decode(x)]));
  return v;
}
