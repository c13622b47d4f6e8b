// Runs every test/**/*.test.ts with Node's own test runner on the TypeScript sources (via tsx),
// once per available backend (the conformance suite: the same tests on js, wasm and native).
// A script rather than a shell glob so it behaves the same on every platform and Node 20
// (whose --test does not expand globs itself).
//   npm test                         all tests, every available backend
//   npm test -- test/ops             only the files under test/ops
//   KESTREL_BACKEND=js npm test      one backend only
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

// Build (or refresh) the native addon first: a no-op when it is newer than its sources, and it
// never fails (without a compiler it prints one warning and the native backend is skipped).
spawnSync(process.execPath, ["native/build.mjs"], { stdio: "inherit" });

// Which backends can run here (the native addon may not have built; that is reported, not fatal).
const probe = spawnSync(process.execPath, ["--import", "tsx", "-e",
  'import("./src/index.ts").then((k) => console.log(JSON.stringify(k.backendInfo())))'], { encoding: "utf8", env: { ...process.env, KESTREL_BACKEND: "" } });
if (probe.status !== 0) { console.error(probe.stderr); process.exit(1); }
const info = JSON.parse(probe.stdout.trim().split("\n").pop());
const backends = process.env.KESTREL_BACKEND ? [process.env.KESTREL_BACKEND] : info.available;
for (const [name, why] of Object.entries(info.unavailable)) console.log(`run-tests: backend ${name} unavailable here: ${why}`);

let failed = [];
for (const b of backends) {
  console.log(`\n=== backend: ${b} ===`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files.map((f) => resolve(f))],
    { stdio: "inherit", env: { ...process.env, KESTREL_BACKEND: b } });
  if (r.status !== 0) failed.push(b);
}
if (failed.length) { console.error(`\nrun-tests: failures on backend(s): ${failed.join(", ")}`); process.exit(1); }
console.log(`\nrun-tests: all tests passed on ${backends.join(", ")}`);
