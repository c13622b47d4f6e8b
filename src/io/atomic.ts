// Writing files a user keeps: to a temporary name in the same folder, flushed to disk (fsync),
// then renamed over the target. A crash or SIGKILL at any moment leaves either the old file or
// the new one, never a torn mixture — which is what makes resume-after-kill safe.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

let counter = 0;

/**
 * Write `data` to `path` atomically (tmp file + fsync + rename + fsync of the folder). Creates
 * the parent folder if needed. The temporary name uses the pid and a counter, never the random
 * generator, so saving a checkpoint does not change the training run's random stream.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd = -1;
  try {
    fd = openSync(tmp, "w");
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`writeFileAtomic: could not write ${path}: ${(e as Error).message}`);
  }
  fsyncDir(dir);
}

/** Make a rename durable (best effort: some platforms cannot open a folder for fsync). */
function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Windows and some file systems refuse; the rename itself is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
