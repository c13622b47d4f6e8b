// The worker side of the harness protocol: JSON requests, one per stdin line; JSON replies, one
// per stdout line, prefixed with "@@bench " so stray library output can't be mistaken for one.
//   {cmd:"info"}                               -> {ok, info}
//   {cmd:"setup", bench}                        -> {ok} | {ok:false, na:"why"}  (builds + warms up)
//   {cmd:"run", bench, maxIters, budgetMs}      -> {ok, times:[ms...], rssMB}
//   {cmd:"free", bench} / {cmd:"exit"}
// Each timed iteration is followed by `await setImmediate`, as a real training loop's data
// loader would be, so finalizers and GC get their chance (and their cost is counted).
import { createInterface } from "node:readline";

/** One benchmark instance inside a worker: `step` runs one iteration (to completion). */
export interface Instance { step(): unknown; free?(): void }  // step may return a promise (awaited)
export type Factory = (bench: string) => Instance | Promise<Instance>;

const tick = () => new Promise((r) => setImmediate(r));

function reply(obj: unknown): void {
  process.stdout.write("@@bench " + JSON.stringify(obj) + "\n");
}

/** Turn an exception into a short "n/a" reason (e.g. a tfjs kernel the backend lacks). */
export function naReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const k = /Kernel '([^']+)' not registered for backend '([^']+)'/.exec(msg);
  if (k) return `missing kernel ${k[1]}`;
  return msg.split("\n")[0].slice(0, 120);
}

/** Serve requests until "exit"; `info` describes the contender. */
export async function serve(info: () => Record<string, unknown>, make: Factory): Promise<void> {
  const live = new Map<string, Instance>();
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as { cmd: string; bench: string; maxIters?: number; budgetMs?: number; warmMs?: number };
    try {
      if (req.cmd === "info") reply({ ok: true, info: info() });
      else if (req.cmd === "setup") {
        const inst = await make(req.bench);
        // Warm-up to steady state (JIT, optimizer state, scratch buffers, allocator caches):
        // 3 iterations, or 1 when that alone took over 10 s, then more until warmMs (at most 5).
        const t0 = performance.now();
        for (let i = 0; i < 5; i++) {
          await inst.step();
          await tick();
          const el = performance.now() - t0;
          if ((i >= 2 && el > (req.warmMs ?? 300)) || el > 10e3) break;
        }
        live.set(req.bench, inst);
        reply({ ok: true, warmMs: performance.now() - t0 });
      } else if (req.cmd === "run") {
        const inst = live.get(req.bench);
        if (!inst) throw new Error(`run before setup for ${req.bench}`);
        const times: number[] = [];
        const t0 = performance.now();
        while (times.length < (req.maxIters ?? 1)) {
          const t = performance.now();
          await inst.step();
          await tick();
          times.push(performance.now() - t);
          if (performance.now() - t0 >= (req.budgetMs ?? 0)) break;
        }
        reply({ ok: true, times, rssMB: process.memoryUsage().rss / 2 ** 20 });
      } else if (req.cmd === "free") {
        live.get(req.bench)?.free?.();
        live.delete(req.bench);
        reply({ ok: true, maxRssMB: process.resourceUsage().maxRSS / 1024 });
      } else if (req.cmd === "exit") {
        reply({ ok: true });
        process.exit(0);
      } else throw new Error(`unknown command ${req.cmd}`);
    } catch (e) {
      reply({ ok: false, na: naReason(e) });
    }
  }
}
