// Reading dataset files as bytes, with errors that name the file. Gzip is detected by its magic
// bytes (1f 8b), not by the file name, so `.gz` and raw files both work whatever they are called.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips `bytes` when they are gzip, else returns them; `file` names the source in errors. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`${file}: the gzip stream (${bytes.length} compressed bytes, from byte 0) is corrupt or truncated: ` +
      `${(e as Error).message}; expected a complete gzip file (download it again)`);
  }
}

/** Reads a file (gunzipping it when it is gzip), with an error naming the file when it is missing. */
export function readDataFile(file: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${file}: file not found (expected the dataset file here; see \`kestrel download\`)`);
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  return maybeGunzip(raw, file);
}

/**
 * A copy of `bytes` in a SharedArrayBuffer, so DataLoader workers can read a dataset's pixels
 * without each getting its own copy. Falls back to a plain copy where SharedArrayBuffer is
 * unavailable (a browser page without cross-origin isolation).
 */
export function toShared(bytes: Uint8Array): Uint8Array {
  const out = typeof SharedArrayBuffer === "function"
    ? new Uint8Array(new SharedArrayBuffer(bytes.length))
    : new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
