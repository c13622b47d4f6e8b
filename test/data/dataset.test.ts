// TensorDataset, Subset, ConcatDataset, randomSplit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { data, tensor, arange, Generator } from "../../src/index.js";

test("TensorDataset indexes every tensor along dim 0 and checks sizes", () => {
  const x = arange(12).reshape(4, 3), y = tensor([0, 1, 0, 1], { dtype: "int32" });
  const ds = new data.TensorDataset(x, y);
  assert.equal(ds.length, 4);
  const [xi, yi] = ds.get(2);
  assert.deepEqual(xi.tolist(), [6, 7, 8]);
  assert.equal(yi.item(), 0);
  assert.deepEqual(ds.get(-1)[0].tolist(), [9, 10, 11]);
  assert.throws(() => ds.get(4), /index 4 is out of range for a dataset of length 4/);
  assert.throws(() => new data.TensorDataset(x, tensor([1, 2])), /size mismatch between tensors: tensor 1 has 2 samples, tensor 0 has 4/);
});

test("Subset and ConcatDataset map indices", () => {
  const a = new data.TensorDataset(arange(5)), b = new data.TensorDataset(arange(10, 13));
  const c = new data.ConcatDataset([a, b]);
  assert.equal(c.length, 8);
  assert.deepEqual(c.cumulativeSizes, [5, 8]);
  assert.deepEqual([0, 4, 5, 7, -1].map((i) => (c.get(i) as any)[0].item()), [0, 4, 10, 12, 12]);
  const s = new data.Subset(c, [7, 0, 5]);
  assert.deepEqual([0, 1, 2].map((i) => (s.get(i) as any)[0].item()), [12, 0, 10]);
  assert.throws(() => new data.Subset(c, [8]), /indices\[0\] = 8 is out of range/);
  assert.throws(() => new data.ConcatDataset([]), /should not be an empty array/);
});

test("randomSplit: counts or fractions, disjoint, covering, seeded", () => {
  const ds = new data.TensorDataset(arange(10));
  const [p, q] = data.randomSplit(ds, [7, 3], new Generator(1));
  assert.equal(p.length, 7); assert.equal(q.length, 3);
  assert.deepEqual([...p.indices, ...q.indices].sort((u, v) => u - v), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const again = data.randomSplit(ds, [7, 3], new Generator(1));
  assert.deepEqual(again[0].indices, p.indices);
  assert.notDeepEqual(data.randomSplit(ds, [7, 3], new Generator(2))[0].indices, p.indices);
  // PyTorch: floor(10 * f) = [3, 3, 3], the one left over goes to the first subset.
  assert.deepEqual(data.randomSplit(ds, [0.34, 0.33, 0.33], new Generator(0)).map((s) => s.length), [4, 3, 3]);
  assert.throws(() => data.randomSplit(ds, [5, 4]), /sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/);
});
