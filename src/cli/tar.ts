// Extracts the regular files of a .tar.gz (ustar, with GNU long names) into a folder, each one
// written to a temporary name and renamed. Only what the CIFAR archives need; paths that would
// escape the folder are refused.

import { readFileSync, writeFileSync, renameSync, mkdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, dirname, resolve, sep } from "node:path";

function field(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const end = s.indexOf(0);
  return s.subarray(0, end < 0 ? len : end).toString("utf8");
}

/** Extracts `archive` into `dir`; returns the relative paths written. */
export function extractTarGz(archive: string, dir: string): string[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(readFileSync(archive));
  } catch (e) {
    throw new Error(`${archive}: corrupt gzip stream: ${(e as Error).message}; expected a .tar.gz archive`);
  }
  const written: string[] = [];
  const root = resolve(dir);
  let longName: string | null = null;
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((v) => v === 0)) break;
    const sizeText = field(h, 124, 12).trim();
    const size = parseInt(sizeText || "0", 8);
    if (!Number.isFinite(size)) throw new Error(`${archive}: bad tar header at byte ${at}: size field ${JSON.stringify(sizeText)} is not octal`);
    const type = String.fromCharCode(h[156] || 0x30);
    const prefix = field(h, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = null;
    const dataStart = at + 512;
    if (dataStart + size > tar.length) throw new Error(`${archive}: truncated tar: member ${name} needs bytes ${dataStart}..${dataStart + size}, the archive ends at ${tar.length}`);
    const body = tar.subarray(dataStart, dataStart + size);
    if (type === "L") longName = field(body, 0, size);
    else if (type === "0" || type === "\0") {
      name = name.replace(/^\.\//, "");
      const target = resolve(root, name);
      if (!target.startsWith(root + sep)) throw new Error(`${archive}: refusing tar member ${JSON.stringify(name)} at byte ${at}: it would land outside ${root}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target + ".tmp", body);
      renameSync(target + ".tmp", target);
      written.push(name);
    }
    at = dataStart + Math.ceil(size / 512) * 512;
  }
  return written;
}
