// Reading event files back: every record's two CRCs are checked and each Event decoded. Used by
// the tests (an independent check of the writer lives in test/fixtures/read_tfevents.py) and by
// tools that turn a run's logs into plots.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readBytes } from "../safetensors_file.js";
import { decodeRecords } from "./record.js";
import { type Event, decodeEvent } from "./summary.js";

/** Decode the Events of one event file (a torn last record, from a writer still running, is skipped). */
export function readEventFile(path: string): Event[] {
  return decodeRecords(readBytes("readEventFile", path), path).map((r) => decodeEvent(r));
}

/** The event files of a log folder (names containing "tfevents"), oldest name first. */
export function eventFiles(logDir: string): string[] {
  if (statSync(logDir, { throwIfNoEntry: false })?.isFile()) return [logDir];
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    throw new Error(`readScalars: no such folder ${logDir}`);
  }
  return names.filter((n) => n.includes("tfevents")).sort().map((n) => join(logDir, n));
}

/** One logged scalar. */
export interface ScalarPoint {
  step: number;
  value: number;
  wallTime: number;
}

/** Every scalar in a log folder (or one event file), by tag, in the order written. */
export function readScalars(logDirOrFile: string): Record<string, ScalarPoint[]> {
  const out: Record<string, ScalarPoint[]> = {};
  for (const f of eventFiles(logDirOrFile)) {
    for (const e of readEventFile(f)) {
      for (const v of e.summary?.value ?? []) {
        if (v.simpleValue === undefined) continue;
        (out[v.tag] ??= []).push({ step: e.step, value: v.simpleValue, wallTime: e.wallTime });
      }
    }
  }
  return out;
}
