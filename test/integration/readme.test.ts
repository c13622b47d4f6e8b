// The README's example must be the file in examples/ and must run as written, through the
// package's own entry point ("kestrel", resolved to the sources via a package.json condition).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("README example is examples/xor.ts, and it trains to ≥ 95% accuracy", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const example = readFileSync(join(root, "examples", "xor.ts"), "utf8");
  const block = readme.match(/```ts\n([\s\S]*?)```/);
  assert.ok(block, "README has a ```ts block");
  assert.equal(block![1], example, "README's example and examples/xor.ts differ");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=kestrel-source", "examples/xor.ts"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/training accuracy ([\d.]+)%/);
  assert.ok(m, r.stdout);
  assert.ok(Number(m![1]) >= 95, r.stdout);
});
