// JSON Lines metrics logs: one JSON object per line, appended and flushed line by line, so a
// log can be read (tail -f, a plotting tool) while training runs and survives a kill with at
// most its last line torn. Numbers JSON cannot hold (NaN, ±Infinity — a diverged loss is worth
// recording) are written as the strings "NaN", "Infinity", "-Infinity"; readJsonl turns them back.

import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { Tensor } from "../tensor/tensor.js";

/**
 * Appends one JSON object per line to a file.
 *
 * @example
 * const log = new io.JsonlLogger("runs/exp1/metrics.jsonl");
 * log.log({ epoch, split: "val", loss, accuracy });
 */
export class JsonlLogger {
  readonly path: string;

  /** Opens `path` for appending (creating folders); pass `{ truncate: true }` to start it empty. */
  constructor(path: string, options: { truncate?: boolean } = {}) {
    if (typeof path !== "string" || path === "") throw new Error(`JsonlLogger: path must be a file path, got ${JSON.stringify(path)}`);
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, "", { flag: options.truncate ? "w" : "a" });
  }

  /** Append one record (a plain object; one-element tensors are stored as numbers, others as nested arrays). */
  log(record: Record<string, unknown>): void {
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      throw new Error(`JsonlLogger.log: expected a plain object like { epoch: 1, loss: 0.5 }, got ${Array.isArray(record) ? "an array" : String(record)}`);
    }
    // One write call per line: appends of a whole line are not interleaved with readers' views.
    appendFileSync(this.path, JSON.stringify(record, replacer) + "\n");
  }
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (v instanceof Tensor) return v.size === 1 ? Number(v.dataRowMajor()[0]) : v.tolist();
  if (typeof v === "bigint") return Number(v);
  return v;
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/**
 * Read a JSONL log back into objects ("NaN"/"Infinity"/"-Infinity" strings become numbers). A
 * torn last line (the writer was killed mid-line) is skipped; a bad line elsewhere is an error.
 */
export function readJsonl(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`readJsonl: no such file ${path}`);
  }
  const lines = text.split("\n");
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line, (_k, v) => (typeof v === "string" && v in SPECIAL ? SPECIAL[v] : v)));
    } catch (e) {
      const last = i === lines.length - 1; // no newline after it: a torn final write
      if (!last) throw new Error(`readJsonl: ${path}: line ${i + 1} is not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}
