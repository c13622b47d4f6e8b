// DataLoader with worker threads: same batches as without workers, in order; how workers
// rebuild datasets; errors; and the process is not kept alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { data, Tensor } from "../../src/index.js";
import { makeAugmented, Squares, Broken } from "./worker_dataset.js";

const T = data.transforms;
// Worker threads do not touch the compute backend's kernels differently from the loop, and each
// worker start compiles the sources (~1 s under tsx): run these once, on the js backend.
const skip = process.env.KESTREL_BACKEND !== undefined && process.env.KESTREL_BACKEND !== "js" ? "worker tests run on the js backend only" : false;
const helper = new URL("./worker_dataset.ts", import.meta.url).href;

async function batches(loader: data.DataLoader, limit = Infinity): Promise<number[][][]> {
  const out: number[][][] = [];
  for await (const b of loader) {
    out.push((b as Tensor[]).map((t) => Array.from(t.toArray())));
    if (out.length >= limit) break;
  }
  return out;
}

test("augmented batches (random crop + flip) are identical with 0, 1 and 2 workers, over two epochs", { skip }, async () => {
  const ds = makeAugmented(true, 200);
  const opts = { batchSize: 32, shuffle: true, seed: 5 };
  const l0 = new data.DataLoader(ds, opts);
  const ref = [await batches(l0), await batches(l0)];
  assert.equal(ref[0].length, 7);
  assert.notDeepEqual(ref[0][0], ref[1][0]);
  for (const [numWorkers, persistentWorkers] of [[1, false], [2, true]] as const) {
    const lw = new data.DataLoader(ds, { ...opts, numWorkers, persistentWorkers, workerSource: { module: helper, exportName: "makeAugmented", args: [true, 200] } });
    assert.deepEqual([await batches(lw), await batches(lw)], ref, `numWorkers ${numWorkers}`);
  }
});

test("Kestrel datasets need no help: built-in Fashion-MNIST (shared pixels) in a Subset, Images collated", { skip }, async () => {
  const ds = new data.Subset(data.datasets.FashionMNIST({ builtin: true, train: false }), [5, 3, 1, 0, 2, 4, 6, 8, 7]);
  const ref = await batches(new data.DataLoader(ds, { batchSize: 4 }));
  const got = await batches(new data.DataLoader(ds, { batchSize: 4, numWorkers: 2, prefetchFactor: 1 }));
  assert.deepEqual(got, ref);
  assert.equal(got[0][0].length, 4 * 28 * 28);
});

test("data.transforms pipelines (which carry spec = { name, args }) are rebuilt in the worker", { skip }, async () => {
  const compose = T.Compose([T.RandomCrop(28, { padding: 2 }), T.RandomHorizontalFlip(), T.ToTensor()]);
  const ds = new data.Subset(data.datasets.FashionMNIST({ builtin: true, transform: compose }), [0, 1, 2, 3, 4, 5, 6, 7]);
  const ref = await batches(new data.DataLoader(ds, { batchSize: 3, seed: 1 }));
  assert.deepEqual(await batches(new data.DataLoader(ds, { batchSize: 3, seed: 1, numWorkers: 2 })), ref);
});

test("user classes with workerSource(); custom collateFn runs in the loop; batchSize null", { skip }, async () => {
  const sq = new Squares(11);
  const ref = await batches(new data.DataLoader(sq, { batchSize: 4, shuffle: true, seed: 2 }));
  assert.deepEqual(await batches(new data.DataLoader(sq, { batchSize: 4, shuffle: true, seed: 2, numWorkers: 2 })), ref);
  const joined: string[] = [];
  for await (const s of new data.DataLoader(sq, { batchSize: 5, numWorkers: 1, collateFn: (xs: [number, number][]) => xs.map((x) => x[0]).join(" ") })) joined.push(s as string);
  assert.deepEqual(joined, ["0 1 4 9 16", "25 36 49 64 81", "100"]);
  const singles: unknown[] = [];
  for await (const s of new data.DataLoader(sq, { batchSize: null, numWorkers: 1, sampler: [3, 2] })) singles.push(s);
  assert.deepEqual(singles, [[9, 0], [4, 2]]);
});

test("errors: a failing sample rejects in order with its message; closures cannot cross threads", { skip }, async () => {
  const loader = new data.DataLoader(new Broken(12), { batchSize: 2, numWorkers: 2 });
  const seen: number[] = [];
  await assert.rejects(async () => { for await (const [x] of loader) seen.push(...(x as Tensor).toArray()); }, /broken sample 5: expected something else/);
  assert.deepEqual(seen, [0, 1, 4, 9]);
  const closure = new data.DataLoader(data.datasets.FashionMNIST({ builtin: true, transform: (im: data.Image) => im }), { numWorkers: 1 });
  await assert.rejects(async () => { for await (const _ of closure) break; }, /dataset\.transform is a function \(transform\).*workerSource/);
  const plain = new data.DataLoader({ length: 2, get: (i: number) => i }, { numWorkers: 1 });
  await assert.rejects(async () => { for await (const _ of plain) break; }, /dataset\.get is a function/);
});

test("workers never keep the process alive: breaking out of the loop, or abandoning an iterator", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-workers-"));
  const script = join(dir, "run.mts");
  const src = new URL("../../src/index.ts", import.meta.url).href;
  writeFileSync(script, `
    import { data } from ${JSON.stringify(src)};
    import { Squares } from ${JSON.stringify(helper)};
    const l = new data.DataLoader(new Squares(1000), { batchSize: 2, numWorkers: 2 });
    for await (const b of l) break;
    const p = new data.DataLoader(new Squares(1000), { batchSize: 2, numWorkers: 2, persistentWorkers: true });
    for await (const b of p) break;
    const it = p[Symbol.asyncIterator]();
    await it.next();               // abandoned without return()
    console.log("done");
  `);
  const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60000 });
  assert.equal(r.signal, null, "the process had to be killed: something kept it alive");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
});
