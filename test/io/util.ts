// Shared by the io tests: temporary folders, exact tensor comparison, running the Python checker.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Tensor } from "../../src/index.js";
import { T, type FixtureTensor } from "../helpers.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
export const PYTHON = "/usr/bin/python3";
/** The Python cross-checks need PyTorch's interpreter; skipped (with a note) where it is missing. */
export const hasPython = existsSync(PYTHON);
/** Skip reason for the Python cross-checks: no interpreter, or a non-js backend run (they test files, not kernels). */
export const pySkip: string | false = !hasPython ? "no /usr/bin/python3" : process.env.KESTREL_BACKEND && process.env.KESTREL_BACKEND !== "js" ? "file-format check, run on the js backend only" : false;

export function tmp(prefix = "kestrel-io-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Same dtype, shape and bits (NaN equals NaN, -0 differs from 0). */
export function assertSameTensor(a: Tensor, b: Tensor | FixtureTensor, msg = ""): void {
  const e = "storage" in b ? b : T(b as FixtureTensor);
  assert.equal(a.dtype, e.dtype, `${msg} dtype`);
  assert.deepEqual([...a.shape], [...e.shape], `${msg} shape`);
  const x = a.toArray(), y = e.toArray();
  for (let i = 0; i < x.length; i++) assert.ok(Object.is(x[i], y[i]), `${msg} element ${i}: ${x[i]} !== ${y[i]}`);
}

/** Run test/fixtures/check_io.py; returns stdout, failing the test with stderr on a non-zero exit. */
export function runCheck(args: string[]): string {
  const r = spawnSync(PYTHON, [join(FIXTURES, "check_io.py"), ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `check_io.py ${args[0]} failed:\n${r.stderr}${r.stdout.slice(0, 2000)}`);
  return r.stdout;
}
