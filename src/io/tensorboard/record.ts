// TFRecord framing, the container of TensorBoard event files. Each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data

import { maskedCrc32c } from "../crc32c.js";

/** Frame one record. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length % 4294967296, true);
  dv.setUint32(4, Math.floor(data.length / 4294967296), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Split a TFRecord stream into its records, checking both CRCs of each. A record cut short at the
 * end (a writer still running, or killed mid-write) is ignored when `allowPartialTail` is true
 * (the default), as TensorBoard does; anything else wrong is an error naming the byte offset.
 */
export function decodeRecords(bytes: Uint8Array, source = "<bytes>", allowPartialTail = true): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) {
      if (allowPartialTail) break;
      throw new Error(`TFRecord: ${source}: truncated record header at byte ${p}`);
    }
    const len = dv.getUint32(p, true) + dv.getUint32(p + 4, true) * 4294967296;
    if (dv.getUint32(p + 8, true) !== maskedCrc32c(bytes.subarray(p, p + 8))) {
      throw new Error(`TFRecord: ${source}: length CRC mismatch at byte ${p} (corrupt file, or not a TFRecord/event file)`);
    }
    if (p + 12 + len + 4 > bytes.length) {
      if (allowPartialTail) break;
      throw new Error(`TFRecord: ${source}: record at byte ${p} says ${len} bytes but the file ends first`);
    }
    const data = bytes.subarray(p + 12, p + 12 + len);
    if (dv.getUint32(p + 12 + len, true) !== maskedCrc32c(data)) {
      throw new Error(`TFRecord: ${source}: data CRC mismatch in the record at byte ${p} (corrupt file)`);
    }
    out.push(data);
    p += 16 + len;
  }
  return out;
}
