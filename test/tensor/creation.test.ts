// Creation helpers and the Tensor's conversions: *Like, toArray/tolist/item, constructor errors.
// (arange/linspace/eye/full values against PyTorch are in test/ops/shape.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  tensor, zeros, ones, full, arange, linspace, eye, zerosLike, onesLike, fullLike, emptyLike, randLike, randnLike, randintLike,
} from "../../src/index.js";

test("dtype defaults: float32 for values, int32 for integer arange, typed arrays keep theirs", () => {
  assert.equal(tensor([1, 2]).dtype, "float32");
  assert.equal(arange(5).dtype, "int32");
  assert.equal(arange(0, 1, 0.5).dtype, "float32");
  assert.equal(arange(0.5, 3).dtype, "float32");
  assert.equal(tensor(new Float64Array([1])).dtype, "float64");
  assert.equal(tensor(new Int32Array([1])).dtype, "int32");
  assert.equal(tensor(new Uint8Array([1, 255])).dtype, "float32");
  assert.deepEqual(tensor(new Uint8Array([1, 255])).tolist(), [1, 255]);
  assert.equal(linspace(0, 1, 3).dtype, "float32");
  assert.equal(tensor([true, false]).dtype, "float32");
  assert.deepEqual(tensor([[true, false]]).tolist(), [[1, 0]]);
});

test("*Like copy shape and dtype unless told otherwise", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });
  for (const [t, v] of [[zerosLike(x), 0], [onesLike(x), 1], [fullLike(x, 2.5), 2.5], [emptyLike(x), 0]] as const) {
    assert.deepEqual([...t.shape], [2, 3]);
    assert.equal(t.dtype, "float64");
    assert.ok(t.toArray().every((e) => e === v));
  }
  assert.equal(zerosLike(x, { dtype: "int32" }).dtype, "int32");
  assert.equal(onesLike(x, { requiresGrad: true }).requiresGrad, true);
  assert.equal(randLike(x).dtype, "float64");
  assert.deepEqual([...randnLike(x).shape], [2, 3]);
  const ri = randintLike(tensor([1, 2, 3], { dtype: "int32" }), 0, 4);
  assert.equal(ri.dtype, "int32");
  assert.ok(ri.toArray().every((v) => v >= 0 && v < 4));
  assert.deepEqual(full([2], 7, { dtype: "int32" }).tolist(), [7, 7]);
  assert.deepEqual(eye(2, 3, { dtype: "int32" }).tolist(), [[1, 0, 0], [0, 1, 0]]);
});

test("toArray copies; tolist and item read values", () => {
  const x = tensor([[1, 2], [3, 4]]);
  const a = x.toArray();
  a[0] = 100;
  assert.equal(x.tolist()[0 as never][0], 1, "mutating toArray()'s result must not change the tensor");
  const t = x.t();
  const b = t.toArray();
  assert.deepEqual([...b], [1, 3, 2, 4]);
  b[1] = -1;
  assert.deepEqual(x.tolist(), [[1, 2], [3, 4]]);
  // A view's toArray is a copy of just its elements, never the shared storage.
  const row = x.select(0, 1);
  const r = row.toArray();
  assert.deepEqual([...r], [3, 4]);
  assert.notEqual(r.buffer, x.storage.buffer);
  assert.deepEqual(t.tolist(), [[1, 3], [2, 4]]);
  assert.deepEqual(tensor(2.5).tolist(), 2.5);
  assert.deepEqual(zeros([2, 0]).tolist(), [[], []]);
  assert.equal(tensor([[3.5]]).item(), 3.5);
  assert.equal(x.select(1, 1).narrow(0, 1, 1).item(), 4);
  assert.equal(tensor(7, { dtype: "int32" }).item(), 7);
});

test("errors: bad shapes, ragged arrays, int32 requiresGrad, item on many elements", () => {
  assert.throws(() => zeros([2, -1]), /zeros|full/);
  assert.throws(() => ones([1.5]), /shape must be an array of non-negative integers/);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array: at \[1\] expected length 2 \(shape \[2, 2\]\), got length 1/);
  assert.throws(() => tensor([[1, 2], 3] as never), /ragged nested array: at \[1\]/);
  assert.throws(() => tensor([1, "a"] as never), /element at \[1\] is "a", expected a number/);
  assert.throws(() => tensor([1.5], { dtype: "int32" }), /dtype int32 needs integers/);
  assert.throws(() => tensor([1], { dtype: "int64" as never }), /unknown dtype "int64"/);
  assert.throws(() => tensor([1, 2], { dtype: "int32", requiresGrad: true }), /only floating point tensors can require gradients, got dtype int32/);
  assert.throws(() => { tensor([1], { dtype: "int32" }).requiresGrad = true; }, /only floating point/);
  assert.throws(() => tensor([1, 2]).item(), /only one-element tensors can be converted to a number, got shape \[2\] \(2 elements\)/);
  assert.throws(() => arange(0, 5, 0), /step must be non-zero/);
  assert.throws(() => arange(5, 0, 1), /not reachable/);
  assert.throws(() => linspace(0, 1, -1), /num must be a non-negative integer/);
  assert.throws(() => eye(-1), /non-negative/);
});
