// safetensors files on disk (Node). Saving is atomic (tmp + fsync + rename).

import { readFileSync } from "node:fs";
import { Tensor } from "../tensor/tensor.js";
import { writeFileAtomic } from "./atomic.js";
import { type SafetensorsContents, decodeSafetensors, serializeSafetensors } from "./safetensors.js";

/**
 * Save tensors to a safetensors file that Python's `safetensors.torch.load_file` reads.
 *
 * @example
 * io.saveSafetensors("model.safetensors", model.stateDict(), { framework: "kestrel" });
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/**
 * Load every tensor of a safetensors file (written by Kestrel, `safetensors.torch.save_file`, or
 * any writer of the format). I64 tensors load as int32 (error if a value does not fit), F16/BF16
 * as float32, U8/BOOL/I8/I16/U16 as int32.
 *
 * @example
 * model.loadStateDict(io.loadSafetensors("resnet18.safetensors"));
 */
export function loadSafetensors(path: string): Record<string, Tensor> {
  return loadSafetensorsWithMetadata(path).tensors;
}

/** Load the tensors plus the header's `__metadata__` and each tensor's dtype in the file. */
export function loadSafetensorsWithMetadata(path: string): SafetensorsContents {
  return decodeSafetensors(readBytes("loadSafetensors", path), { source: path });
}

/** @internal Read a whole file, turning "not found" into a one-line error naming the file. */
export function readBytes(op: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new Error(`${op}: no such file ${path}`);
    if (err.code === "EISDIR") throw new Error(`${op}: ${path} is a folder, expected a file`);
    throw new Error(`${op}: could not read ${path}: ${err.message}`);
  }
}
