// Builds the optional native backend: native/src/*.cc → native/build/kestrel.node with the
// machine's C++ compiler (CXX, else g++/c++/clang++) against the node-api-headers package.
// This is the package's install step, so it must NEVER fail an install: on any problem it
// prints one warning line and exits 0 (Kestrel then uses the wasm or js backend).
//   node native/build.mjs            build if a source is newer than the addon
//   KESTREL_NATIVE_FORCE=1           rebuild anyway
//   KESTREL_NATIVE_OUT=/path/x.node  write elsewhere (tests of this script)
// Files named *_avx512.cc / *_avx2.cc get their own -m flags; the addon picks them at run time.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, "src");
const out = resolve(process.env.KESTREL_NATIVE_OUT || join(here, "build", "kestrel.node"));
const objDir = join(dirname(out), "obj");

function warn(why) {
  console.warn(`kestrel: native addon not built (${why.split("\n")[0].slice(0, 300)}); Kestrel will use the wasm/js backends`);
  process.exit(0);
}

function headers() {
  try {
    const req = createRequire(import.meta.url);
    const dir = dirname(req.resolve("node-api-headers/package.json"));
    if (existsSync(join(dir, "include", "node_api.h"))) return join(dir, "include");
  } catch { /* fall through */ }
  const local = join(here, "..", "node_modules", "node-api-headers", "include");
  if (existsSync(join(local, "node_api.h"))) return local;
  return null;
}

function findCompiler() {
  const candidates = process.env.CXX ? [process.env.CXX] : ["g++", "c++", "clang++"];
  for (const c of candidates) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return null;
}

function run(cmd, args) {
  return new Promise((res) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => { err += d; });
    p.on("error", (e) => res({ ok: false, err: String(e) }));
    p.on("close", (code) => res({ ok: code === 0, err }));
  });
}

async function main() {
  if (process.platform === "win32") warn("Windows builds are not supported yet");
  const sources = readdirSync(srcDir).filter((f) => f.endsWith(".cc"));
  const deps = readdirSync(srcDir).map((f) => join(srcDir, f)).concat(fileURLToPath(import.meta.url));
  if (!process.env.KESTREL_NATIVE_FORCE && existsSync(out)) {
    const built = statSync(out).mtimeMs;
    if (deps.every((d) => statSync(d).mtimeMs <= built)) return; // up to date
  }
  const inc = headers();
  if (!inc) warn("the node-api-headers package is missing");
  const cxx = findCompiler();
  if (!cxx) warn(process.env.CXX ? `the compiler CXX=${process.env.CXX} does not run` : "no C++ compiler found (g++, c++, clang++)");
  const x86 = process.arch === "x64";
  const common = ["-std=c++17", "-O3", "-fPIC", "-pthread", "-fvisibility=hidden", "-I", inc, "-I", srcDir,
    "-DNAPI_VERSION=8", "-DNODE_GYP_MODULE_NAME=kestrel", ...(x86 ? ["-DKESTREL_X86"] : [])];
  const isaFlags = (f) => f.endsWith("_avx512.cc") ? ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx2", "-mfma"]
    : f.endsWith("_avx2.cc") ? ["-mavx2", "-mfma"] : [];
  const units = sources.filter((f) => x86 || !/_avx(512|2)\.cc$/.test(f));
  mkdirSync(objDir, { recursive: true });
  const results = await Promise.all(units.map((f) =>
    run(cxx, [...common, ...isaFlags(f), "-c", join(srcDir, f), "-o", join(objDir, f.replace(/\.cc$/, ".o"))])));
  const bad = results.find((r) => !r.ok);
  if (bad) warn(`compile error: ${bad.err.trim().split("\n").find((l) => /error/.test(l)) ?? bad.err.trim()}`);
  const tmp = out + ".tmp";
  const link = await run(cxx, ["-shared", "-pthread", ...(process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : []),
    ...units.map((f) => join(objDir, f.replace(/\.cc$/, ".o"))), "-o", tmp]);
  if (!link.ok) warn(`link error: ${link.err.trim()}`);
  renameSync(tmp, out);
  rmSync(objDir, { recursive: true, force: true });
  console.log(`kestrel: built native addon ${out}`);
}

main().catch((e) => warn(String(e && e.message || e)));
