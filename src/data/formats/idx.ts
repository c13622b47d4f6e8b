// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
// (0x00 0x00, a type code, the number of dimensions), one big-endian uint32 per dimension, then
// the data in row-major order. Only unsigned-byte data (type 0x08) is used by these datasets.

/** A parsed IDX file: its dimensions and its bytes (a view into the input, no copy). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "short", 0x0c: "int", 0x0d: "float", 0x0e: "double",
};

/**
 * Parses an unsigned-byte IDX file. `file` names the source in errors; `ndim` (when given) is the
 * number of dimensions the caller expects (3 for images, 1 for labels). Throws when the magic,
 * the type, the dimension count or the size is wrong: never returns a short array.
 */
export function parseIdx(bytes: Uint8Array, file: string, ndim?: number): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`${file}: truncated at byte ${bytes.length}: expected a 4-byte IDX magic number, the file has only ${bytes.length} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new Error(`${file}: bad magic number at byte 0: expected an IDX file (00 00 08 0${ndim ?? "N"}), got ${got}`);
  }
  if (bytes[2] !== 0x08) {
    const name = TYPE_NAMES[bytes[2]] ?? "unknown";
    throw new Error(`${file}: bad IDX data type at byte 2: expected 0x08 (unsigned byte), got 0x${bytes[2].toString(16).padStart(2, "0")} (${name})`);
  }
  const nd = bytes[3];
  if (ndim !== undefined && nd !== ndim) {
    throw new Error(`${file}: bad magic number at byte 3: expected ${ndim} dimension(s) (magic 0x0000080${ndim}), got ${nd}`);
  }
  const header = 4 + 4 * nd;
  if (bytes.length < header) {
    throw new Error(`${file}: truncated at byte ${bytes.length}: expected a ${header}-byte header for ${nd} dimensions`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < nd; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    size *= n;
  }
  const expected = header + size;
  if (bytes.length < expected) {
    throw new Error(`${file}: truncated at byte ${bytes.length}: the header declares shape [${shape.join(", ")}], ` +
      `so the data runs from byte ${header} to byte ${expected}; expected ${expected} bytes, got ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new Error(`${file}: unexpected extra data at byte ${expected}: the header declares shape [${shape.join(", ")}] ` +
      `(${expected} bytes in all), but the file has ${bytes.length} bytes`);
  }
  return { shape, data: bytes.subarray(header, expected) };
}

/** Encodes an unsigned-byte IDX file (used by the fixture and subset scripts and by tests). */
export function encodeIdx(shape: readonly number[], data: Uint8Array): Uint8Array {
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = shape.length;
  shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  out.set(data, header);
  return out;
}
