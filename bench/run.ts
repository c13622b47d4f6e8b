// Kestrel's benchmark harness: `npm run bench [-- options]` (see bench/README.md).
// Contenders run in their own long-lived worker processes (Kestrel once per available backend,
// tfjs-core cpu and wasm, ONNX Runtime, PyTorch 1.13 via bench/torch_bench.py) and are
// measured round-robin — every round, each contender in turn (rotating the order) — so the
// machine's noise spreads over all of them. Reported: the median iteration time.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { SPECS, type BenchSpec } from "./specs.js";
import { Worker, type Reply } from "./worker_client.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * The machine's float32 FMA peak on all threads, measured now by the native addon (24
 * independent 512-bit FMA chains per thread, each thread timed by its own CPU clock, so load
 * does not lower it); null without the addon or AVX-512. SGEMM is quoted as a fraction of it.
 */
function measurePeak(): number | null {
  try {
    const addon = createRequire(import.meta.url)(join(root, "native/build/kestrel.node")) as { fmaPeak?: () => number };
    const p = addon.fmaPeak?.() ?? 0;
    return p > 0 ? p : null;
  } catch {
    return null;
  }
}
const PEAK_GFLOPS = measurePeak();
const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(`--${n}`);
const opt = (n: string) => { const a = argv.find((x) => x.startsWith(`--${n}=`)); if (a) return a.slice(n.length + 3); const i = argv.indexOf(`--${n}`); return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[i + 1] : undefined; };
if (flag("help")) { console.log("see bench/README.md"); process.exit(0); }
const quick = flag("quick");
const rounds = Number(opt("reps") ?? (quick ? 3 : 5));
const budgetMs = 1e3 * Number(opt("budget") ?? (quick ? 2 : 3));
const capMs = 1e3 * Number(opt("cap") ?? (quick ? 15 : 25));
const only = opt("only")?.split(",");
const specs = SPECS.filter((s) => !only || only.some((o) => s.id.includes(o) || s.group === o));
const tsx = ["--import", "tsx"];

// ---- contenders ---------------------------------------------------------------------------------
const probe = spawnSync(process.execPath, [...tsx, "-e", 'import("./src/index.ts").then((k) => console.log(JSON.stringify(k.backendInfo())))'],
  { cwd: root, encoding: "utf8", env: { ...process.env, KESTREL_BACKEND: "" } });
if (probe.status !== 0) { console.error(probe.stderr); process.exit(1); }
const info = JSON.parse(probe.stdout.trim().split("\n").pop()!) as { name: string; available: string[]; unavailable: Record<string, string> };
const kBackends = (opt("backends")?.split(",") ?? info.available).filter((b) => info.available.includes(b));
const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch"]).status === 0;
const peers = (opt("peers")?.split(",") ?? ["tfjs-cpu", "tfjs-wasm", "onnxruntime", "pytorch"]).filter((p) => p !== "pytorch" || hasTorch);

const workers: Worker[] = [
  ...kBackends.map((b) => new Worker(`kestrel-${b}`, process.execPath, [...tsx, join(root, "bench/workers/kestrel.ts")], { KESTREL_BACKEND: b })),
  ...peers.filter((p) => p.startsWith("tfjs-")).map((p) => new Worker(p, process.execPath, [...tsx, join(root, "bench/workers/tfjs.ts")], { TFJS_BACKEND: p.slice(5) })),
  ...peers.filter((p) => p === "onnxruntime").map((p) => new Worker(p, process.execPath, [...tsx, join(root, "bench/workers/ort.ts")], {})),
  ...peers.filter((p) => p === "pytorch").map((p) => new Worker(p, "/usr/bin/python3", [join(root, "bench/torch_bench.py")], {})),
];
const names = workers.map((w) => w.name);
const versions: Record<string, string> = {};
for (const w of workers) {
  const r = await w.request({ cmd: "info" }, 60e3);
  const i = r.info ?? {};
  versions[w.name] = w.name.startsWith("kestrel") ? String(i.description ?? "") : `${i.version ?? "?"}${i.threads ? `, ${i.threads} thread(s)` : ""}`;
}

// ---- measuring ----------------------------------------------------------------------------------
interface Cell { ms?: number; n?: number; na?: string }
const results = new Map<string, Map<string, Cell>>();
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const cellOf = (id: string, w: string) => results.get(id)?.get(w);

/** A contender too slow for `spec` by a cheaper benchmark's evidence is skipped (estimate given). */
function predictSkip(spec: BenchSpec, w: string): string | undefined {
  const from: Record<string, [string, number]> = { cnn32_train: ["cnn28_train", 1.2], resnet20_train_b128: ["resnet20_infer_b64", 6] };
  const p = from[spec.id];
  if (!p) return undefined;
  const c = cellOf(p[0], w);
  if (c?.na?.startsWith("over")) return `skipped: ${p[0]} was already over the cap`;
  if (c?.ms !== undefined && c.ms * p[1] > capMs) return `skipped: est. ~${((c.ms * p[1]) / 1e3).toFixed(0)} s/iter > ${capMs / 1e3} s cap`;
  return undefined;
}

const t0 = Date.now();
for (const spec of specs) {
  const cells = new Map<string, Cell>();
  results.set(spec.id, cells);
  const part = workers.filter((w) => spec.ort || w.name !== "onnxruntime");
  const active: Worker[] = [];
  const samples = new Map<string, number[]>(), spent = new Map<string, number>();
  process.stdout.write(`${spec.title}: `);
  for (const w of part) {
    const skip = predictSkip(spec, w.name);
    if (skip) { cells.set(w.name, { na: skip }); continue; }
    const r = await w.request({ cmd: "setup", bench: spec.id, warmMs: 300 }, capMs + 20e3);
    if (!r.ok) { cells.set(w.name, { na: r.na!.startsWith("over") ? `over ${capMs / 1e3} s/iter (cap)` : r.na }); continue; }
    active.push(w); samples.set(w.name, []); spent.set(w.name, 0);
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < active.length; k++) {
      const w = active[(k + round) % active.length]; // rotate who goes first
      const xs = samples.get(w.name)!;
      if (xs.length > 0 && spent.get(w.name)! >= budgetMs) continue; // slow contender: budget spent
      const r: Reply = await w.request({ cmd: "run", bench: spec.id, maxIters: 1000, budgetMs: budgetMs / rounds }, budgetMs + capMs + 20e3);
      if (!r.ok) { cells.set(w.name, { na: r.na }); xs.length = 0; spent.set(w.name, Infinity); continue; }
      xs.push(...r.times!);
      spent.set(w.name, spent.get(w.name)! + r.times!.reduce((a, b) => a + b, 0));
    }
  }
  for (const w of active) {
    const xs = samples.get(w.name)!;
    if (xs.length) cells.set(w.name, { ms: median(xs), n: xs.length });
    await w.request({ cmd: "free", bench: spec.id }, 60e3);
  }
  console.log(names.map((n) => { const c = cells.get(n); return c ? `${n} ${c.ms !== undefined ? c.ms.toFixed(1) + " ms" : "n/a"}` : ""; }).filter(Boolean).join(" | "));
}
const benchSeconds = (Date.now() - t0) / 1e3;
for (const w of workers) { await w.request({ cmd: "free", bench: "-" }, 30e3); w.close(); }

// ---- memory (Kestrel only, child process per backend) -------------------------------------------
interface Mem { backend: string; at: number; steps: number; rssAtMB: number; rssEndMB: number; peakMB: number; seconds: number }
const mems: Mem[] = [];
let memNote = "";
const memOpt = argv.find((a) => a.startsWith("--memory"));
const fastest = kBackends.includes(info.name) ? info.name : kBackends[0];
const memBackends = flag("no-memory") || !fastest ? [] : memOpt === "--memory=all" ? kBackends : memOpt || fastest !== "js" ? [fastest] : [];
if (!memBackends.length) memNote = flag("no-memory") ? "skipped (--no-memory)" : "skipped by default on the js backend (2,000 steps take ~1 h there); run with --memory";
const memSteps = opt("memory-steps") ?? "200,2000";
for (const b of memBackends) {
  process.stdout.write(`memory (${b}, steps ${memSteps}): `);
  const r = spawnSync(process.execPath, [...tsx, join(root, "bench/memory.ts"), memSteps], { cwd: root, encoding: "utf8", env: { ...process.env, KESTREL_BACKEND: b } });
  const line = r.stdout.split("\n").find((l) => l.startsWith("@@bench "));
  if (!line) { console.log(`failed: ${r.stderr.trim().split("\n").pop()}`); continue; }
  const m = JSON.parse(line.slice(8)) as Mem; mems.push(m);
  console.log(`${m.rssAtMB.toFixed(0)} → ${m.rssEndMB.toFixed(0)} MB`);
}

// ---- report -------------------------------------------------------------------------------------
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
function show(spec: BenchSpec, c: Cell | undefined, torch: Cell | undefined): string {
  if (!c) return "—";
  if (c.ms === undefined) return `n/a (${c.na})`;
  const s = c.ms / 1e3;
  let out = spec.metric === "imgs" ? `${fmt(spec.work / s)} img/s` : `${fmt(spec.work / s / 1e9)} GFLOP/s`;
  if (spec.group === "sgemm" && PEAK_GFLOPS) out += ` (${((spec.work / s / 1e9 / PEAK_GFLOPS) * 100).toFixed(1)}% peak)`;
  if (spec.group === "conv") out = `${fmt(c.ms)} ms, ${out}`;
  if (torch?.ms !== undefined) out += ` ×${(torch.ms / c.ms).toFixed(2)}`;
  if (c.n! < 5) out += ` (n=${c.n})`;
  return out;
}
const header = `| benchmark | ${names.join(" | ")} |\n|---|${names.map(() => "---").join("|")}|`;
const rows = specs.map((s) => `| ${s.title} | ${names.map((n) => show(s, cellOf(s.id, n), cellOf(s.id, "pytorch"))).join(" | ")} |`);
const peakRow = `| peak RSS of the worker process | ${workers.map((w) => (w.peakRssMB ? `${w.peakRssMB.toFixed(0)} MB` : "—")).join(" | ")} |`;
const table = [header, ...rows, peakRow].join("\n");
const memTable = mems.length
  ? ["| backend | RSS after step " + mems[0].at + " | RSS after step " + mems[0].steps + " | change | flat (±5%) | peak RSS | time |", "|---|---|---|---|---|---|---|",
    ...mems.map((m) => { const ch = (m.rssEndMB / m.rssAtMB - 1) * 100; return `| ${m.backend} | ${m.rssAtMB.toFixed(0)} MB | ${m.rssEndMB.toFixed(0)} MB | ${ch >= 0 ? "+" : ""}${ch.toFixed(1)}% | ${Math.abs(ch) <= 5 ? "yes" : "NO"} | ${m.peakMB.toFixed(0)} MB | ${m.seconds.toFixed(0)} s |`; })].join("\n")
  : memNote;
const cpu = cpus();
const torchVer = hasTorch ? spawnSync("/usr/bin/python3", ["-c", "import torch;print(torch.__version__)"], { encoding: "utf8" }).stdout.trim() : "not installed";
const md = `# Kestrel benchmark results

- Date: ${new Date().toISOString()}
- Machine: ${cpu[0]?.model ?? "?"}, ${cpu.length} cores; Node ${process.version}; PyTorch ${torchVer} (torch.set_num_threads(2))
- Command: \`npm run bench${argv.length ? " -- " + argv.join(" ") : ""}\` — ${rounds} rounds, ~${budgetMs / 1e3} s per contender per benchmark, ${capMs / 1e3} s cap per iteration; took ${(benchSeconds / 60).toFixed(1)} min (+ memory)
- Kestrel backends: ${kBackends.map((b) => `${b} (${versions[`kestrel-${b}`]})`).join("; ")}${Object.keys(info.unavailable).length ? `; unavailable: ${Object.entries(info.unavailable).map(([k, v]) => `${k} (${v})`).join("; ")}` : ""}
- Peers: ${peers.map((p) => `${p} ${versions[p] ?? ""}`).join("; ")}
- Cells: median over all timed iterations (n = count, ≥ ${rounds} unless marked) after warm-up; "×r" = PyTorch time / this time (>1 is faster than PyTorch). SGEMM "% peak" is of the FMA peak measured in this run: ${PEAK_GFLOPS ? `${PEAK_GFLOPS.toFixed(0)} GFLOP/s on ${cpus().length} threads` : "not measured (no native addon)"} (24 independent 512-bit FMA chains per thread, by each thread's CPU clock). conv bwd = input + weight gradients. ResNet-20 uses 1×1-conv + BN shortcuts ("option B") everywhere. tfjs runs NHWC (its native layout), all others NCHW. ONNX Runtime runs inference only (BatchNorm folded by its optimizer).

${table}

## Memory (Kestrel, reference CNN b64 1×28×28 training, child process)

${memTable}
`;
console.log("\n" + table + "\n\n" + memTable);
if (!flag("no-write")) { writeFileSync(join(root, "bench/RESULTS.md"), md); console.log("\nwrote bench/RESULTS.md"); }
process.exit(0);
