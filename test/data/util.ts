// Shared helpers of the data tests: fixture paths and the pixel formula of gen_data.py.
import { mkdtempSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const FIX = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "data");

/** gen_data.py's pixel of image i at channel c, row y, column x. */
export function pix(i: number, c: number, y: number, x: number): number {
  return (i * 37 + c * 101 + y * 11 + x * 3) % 256;
}

/** A temporary copy of a fixture folder (for corrupting files). */
export function tempCopy(sub: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-data-"));
  cpSync(join(FIX, sub), dir, { recursive: true });
  return dir;
}
