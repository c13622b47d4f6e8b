// The DataLoader's worker thread: rebuilds the dataset from its description once, then loads,
// transforms (per-sample seeded) and collates the batches it is asked for, posting them back
// with their buffers transferred.

import { parentPort, workerData } from "node:worker_threads";
import "../index.js"; // the whole library: ops registered, backend chosen, as in the main thread
import { revive } from "./spec.js";
import { defaultCollate } from "./collate.js";
import { encode } from "./transport.js";
import { sampleSeed, withSeed } from "./seed.js";
import type { Dataset } from "./dataset.js";

interface Task { id: number; run: number; indices: number[]; baseSeed: number; epoch: number }

const port = parentPort!;
const ready = revive(workerData.dataset) as Promise<Dataset>;
const collate = workerData.collate === "default";

// One task at a time, so an async dataset cannot interleave two samples' seeded generator state.
let queue: Promise<void> = Promise.resolve();
port.on("message", (task: Task) => { queue = queue.then(() => run(task)); });

async function run(task: Task): Promise<void> {
  try {
    const ds = await ready;
    const samples: unknown[] = [];
    for (const i of task.indices) samples.push(await withSeed(sampleSeed(task.baseSeed, task.epoch, i), () => ds.get(i)));
    const transfer: ArrayBuffer[] = [];
    const value = encode(collate ? defaultCollate(samples) : samples, transfer);
    port.postMessage({ id: task.id, run: task.run, ok: true, value }, transfer);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ id: task.id, run: task.run, ok: false, message: err?.message ?? String(e), stack: err?.stack });
  }
}
