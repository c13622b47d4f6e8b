// Resume after SIGKILL, for real: a child process trains (shuffling + augmentation + dropout from
// the global generator, BatchNorm, Adam, StepLR, EMA, clipping, checkpoints every 4 steps), is
// killed mid-run, a second child resumes from the newest checkpoint, and its final weights must
// be bit-identical (float32) to an uninterrupted run's — so must the EMA weights and history.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const child = join(here, "resume_child.ts");

interface Result { weights: Record<string, number[]>; ema: Record<string, number[]>; valLoss: number[]; loss: number[]; lrs: number[]; steps: number; lr: number }

/** Runs the child; with pauseAt, SIGKILLs it once it reports that step. */
function run(dir: string, out: string, opts: { resume?: boolean; pauseAt?: number } = {}): Promise<{ code: number | null; signal: string | null; steps: number[] }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PAUSE_AT: opts.pauseAt ? String(opts.pauseAt) : "" };
    const p = spawn(process.execPath, ["--import", "tsx", child, dir, out, ...(opts.resume ? ["resume"] : [])], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    const steps: number[] = [];
    let buf = "", err = "";
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        const m = /^step (\d+)$/.exec(line);
        if (m) { steps.push(Number(m[1])); if (Number(m[1]) === opts.pauseAt) p.kill("SIGKILL"); }
      }
    });
    p.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") reject(new Error(`child failed (code ${code}):\n${err}`));
      else resolve({ code, signal, steps });
    });
  });
}

const read = (f: string): Result => JSON.parse(readFileSync(f, "utf8"));

test("a run killed with SIGKILL mid-epoch and resumed ends with bit-identical weights", { timeout: 60_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), "kestrel-resume-"));
  try {
    // Reference: uninterrupted, its own checkpoint folder.
    await run(join(tmp, "ref"), join(tmp, "ref.json"));
    const ref = read(join(tmp, "ref.json"));
    assert.equal(ref.steps, 36);
    // Kill at step 18 (epoch 1, batch 6 of 12): the newest checkpoint is step 16, mid-epoch.
    // Kill at step 26 (epoch 2, batch 2): the newest is step 24, written at the end of epoch 1.
    for (const killAt of [18, 26]) {
      const dir = join(tmp, `kill${killAt}`), out = join(tmp, `kill${killAt}.json`);
      const killed = await run(dir, out, { pauseAt: killAt });
      assert.equal(killed.signal, "SIGKILL");
      assert.equal(killed.steps.at(-1), killAt);
      const files = readdirSync(dir).filter((f) => f.endsWith(".ckpt")).sort();
      assert.equal(files.at(-1), `step-${String(killAt - 2).padStart(8, "0")}.ckpt`, `checkpoints: ${files}`);
      assert.ok(files.length <= 2, `keepLast 2 rotates old files away: ${files}`);
      const resumed = await run(dir, out, { resume: true });
      assert.equal(resumed.steps[0], killAt - 1, "continues right after the checkpoint's step");
      const r = read(out);
      assert.equal(r.steps, ref.steps);
      assert.equal(r.lr, ref.lr, "scheduler state restored");
      assert.deepEqual(r.lrs, ref.lrs);
      assert.deepEqual(r.valLoss, ref.valLoss, "same validation losses in every epoch (history restored)");
      assert.deepEqual(r.loss, ref.loss, "same training losses (running metrics restored mid-epoch)");
      for (const k of Object.keys(ref.weights)) assert.deepEqual(r.weights[k], ref.weights[k], `weights ${k} bit-identical (kill at ${killAt})`);
      for (const k of Object.keys(ref.ema)) assert.deepEqual(r.ema[k], ref.ema[k], `EMA ${k} bit-identical (kill at ${killAt})`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
