// DataLoader: order, seeding, dropLast, samplers, collate, per-sample seeding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { data, arange, tensor, Generator, manualSeed, defaultGenerator, Tensor } from "../../src/index.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(b);
  return out;
}

const ds = new data.TensorDataset(arange(10).reshape(10, 1), tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { dtype: "int32" }));
const order = (batches: any[]) => batches.flatMap((b) => Array.from(b[1].toArray() as Int32Array));

test("sequential batches, length, dropLast", async () => {
  const l = new data.DataLoader(ds, { batchSize: 4 });
  assert.equal(l.length, 3);
  const b = await collect(l);
  assert.deepEqual(b.map((x: any) => x[0].shape), [[4, 1], [4, 1], [2, 1]]);
  assert.deepEqual(order(b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(b[0][1].dtype, "int32");
  const d = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(d.length, 2);
  assert.equal((await collect(d)).length, 2);
  assert.equal(new data.DataLoader(ds).length, 10);
});

test("shuffle: same seed ⇒ same order, a new permutation each epoch, the global generator untouched by seed", async () => {
  const a = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
  const b = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
  const before = defaultGenerator.getState();
  const e1 = order(await collect(a)), e2 = order(await collect(a));
  assert.deepEqual(e1, order(await collect(b)));
  assert.deepEqual(e2, order(await collect(b)));
  assert.notDeepEqual(e1, e2);
  assert.deepEqual([...e1].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(defaultGenerator.getState(), before);
  // Without seed, the global generator decides: manualSeed makes it repeatable.
  manualSeed(3);
  const g1 = order(await collect(new data.DataLoader(ds, { batchSize: 5, shuffle: true })));
  manualSeed(3);
  assert.deepEqual(order(await collect(new data.DataLoader(ds, { batchSize: 5, shuffle: true }))), g1);
});

test("sampler, batchSampler, batchSize null and option conflicts", async () => {
  const s = await collect(new data.DataLoader(ds, { batchSize: 2, sampler: [9, 8, 7] }));
  assert.deepEqual(order(s), [9, 8, 7]);
  const bs = await collect(new data.DataLoader(ds, { batchSampler: [[1, 2], [0]] }));
  assert.deepEqual(order(bs), [1, 2, 0]);
  const single = await collect(new data.DataLoader(ds, { batchSize: null }));
  assert.equal(single.length, 10);
  assert.ok((single[3] as any)[0] instanceof Tensor && (single[3] as any)[0].shape.length === 1);
  assert.throws(() => new data.DataLoader(ds, { sampler: [1], shuffle: true }), /mutually exclusive with shuffle/);
  assert.throws(() => new data.DataLoader(ds, { batchSampler: [[1]], batchSize: 4 }), /batchSampler option is mutually exclusive/);
  assert.throws(() => new data.DataLoader(ds, { batchSize: 0 }), /batchSize should be a positive integer/);
  assert.throws(() => new data.DataLoader(ds, { numWorkers: -1 }), /numWorkers option should be a non-negative integer/);
  const sub = new data.SubsetRandomSampler([2, 4, 6], new Generator(0));
  assert.deepEqual([...sub].sort(), [2, 4, 6]);
  const rs = new data.RandomSampler(ds, { replacement: true, numSamples: 25, generator: new Generator(0) });
  assert.equal([...rs].length, 25);
});

test("default collate: numbers → int32/float32, Images → float32 NCHW in [0,1], nested tuples and objects", () => {
  const c = data.defaultCollate;
  const ints = c([1, 2, 3]) as Tensor;
  assert.equal(ints.dtype, "int32");
  assert.equal((c([1.5, 2]) as Tensor).dtype, "float32");
  const img = (v: number) => ({ data: new Uint8Array([v, 0, 255, v, 0, 255]), height: 1, width: 2, channels: 3 });
  const batch = c([img(51), img(102)]) as Tensor;
  assert.deepEqual(batch.shape, [2, 3, 1, 2]);
  assert.deepEqual(Array.from(batch.toArray()).map((v) => Math.round(v * 255)), [51, 51, 0, 0, 255, 255, 102, 102, 0, 0, 255, 255]);
  const nested = c([{ a: [1, tensor([1, 2])], s: "x" }, { a: [2, tensor([3, 4])], s: "y" }]) as any;
  assert.deepEqual(nested.a[1].tolist(), [[1, 2], [3, 4]]);
  assert.deepEqual(nested.s, ["x", "y"]);
  assert.throws(() => c([tensor([1]), tensor([1, 2])]), /sample 1 is a float32 tensor of shape \[2\] but sample 0 is float32 \[1\]/);
  assert.throws(() => c([[1, 2], [1]]), /each element in the batch should be of equal size/);
});

test("custom collateFn, and async datasets are awaited", async () => {
  const asyncDs = { length: 3, get: async (i: number) => i * 2 };
  const b = await collect(new data.DataLoader(asyncDs, { batchSize: 2, collateFn: (xs: number[]) => xs.join(",") }));
  assert.deepEqual(b, ["0,2", "4"]);
});

test("per-sample seeding: a random transform gives the same values for the same (seed, epoch, index) whatever the batching", async () => {
  const noisy = { length: 6, get: (i: number) => [i, defaultGenerator.random()] };
  const run = async (batchSize: number) => {
    const l = new data.DataLoader(noisy, { batchSize, seed: 11, shuffle: true });
    const e = [await collect(l), await collect(l)];
    return e.map((ep) => {
      const m = new Map<number, number>();
      for (const [ids, r] of ep as any) ids.toArray().forEach((id: number, k: number) => m.set(id, r.toArray()[k]));
      return [...m.entries()].sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    });
  };
  const [a1, a2] = await run(2), [b1, b2] = await run(4);
  assert.deepEqual(a1, b1);     // independent of batching
  assert.deepEqual(a2, b2);
  assert.notDeepEqual(a1, a2);  // a new draw each epoch
  assert.equal(new Set(a1).size, 6);
});
