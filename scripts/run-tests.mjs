// Runs every test/**/*.test.ts with Node's own test runner on the TypeScript sources (via tsx).
// A script rather than a shell glob so it behaves the same on every platform and Node 20
// (whose --test does not expand globs itself). Extra arguments are passed through, e.g.
// `npm test -- test/ops` runs only the files under test/ops.
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== "fixtures") out.push(...find(p)); }
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const roots = args.length ? args : ["test"];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? find(r) : [r]));
if (files.length === 0) { console.error("run-tests: no test files found under " + roots.join(", ")); process.exit(1); }
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files.map((f) => resolve(f))], { stdio: "inherit" });
process.exit(r.status ?? 1);
