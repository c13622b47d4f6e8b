// The harness side of the worker protocol (see workers/protocol.ts): one long-lived child
// process per contender, requests with a timeout; a worker that overruns is killed and
// restarted on the next request (so one hopeless iteration can't stall the whole run).
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface Reply { ok: boolean; na?: string; times?: number[]; warmMs?: number; maxRssMB?: number; rssMB?: number; info?: Record<string, unknown> }

export class Worker {
  private child: ChildProcess | null = null;
  private waiting: ((r: Reply) => void) | null = null;
  peakRssMB = 0;
  constructor(readonly name: string, private cmd: string, private args: string[], private env: Record<string, string>) {}

  private start(): ChildProcess {
    const child = spawn(this.cmd, this.args, { env: { ...process.env, ...this.env }, stdio: ["pipe", "pipe", "pipe"] });
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      if (!line.startsWith("@@bench ")) return; // library chatter (e.g. tfjs's banner)
      const r = JSON.parse(line.slice(8)) as Reply;
      const w = this.waiting; this.waiting = null; w?.(r);
    });
    let err = "";
    child.stderr!.on("data", (d) => { err = (err + d).slice(-2000); });
    child.on("exit", (code) => {
      if (this.child === child) this.child = null;
      const w = this.waiting; this.waiting = null;
      w?.({ ok: false, na: `worker exited (${code}): ${err.trim().split("\n").pop() ?? ""}`.slice(0, 160) });
    });
    return child;
  }

  /** Send one request; resolves to {ok:false, na} on timeout (the worker is killed) or crash. */
  request(req: Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    if (!this.child) this.child = this.start();
    const child = this.child;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.child = null;
        child.kill("SIGKILL");
        resolve({ ok: false, na: `over ${(timeoutMs / 1e3).toFixed(0)} s, stopped`, times: [] });
      }, timeoutMs);
      this.waiting = (r) => { clearTimeout(timer); if (r.maxRssMB) this.peakRssMB = Math.max(this.peakRssMB, r.maxRssMB); resolve(r); };
      child.stdin!.write(JSON.stringify(req) + "\n");
    });
  }

  close(): void {
    if (this.child) { this.child.stdin!.end(JSON.stringify({ cmd: "exit" }) + "\n"); this.child = null; }
  }
}
