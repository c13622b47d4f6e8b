// reduce ops against PyTorch (test/fixtures/gen_core.py): values in float64 and float32, gradients, gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFamily, REDUCE } from "./core_cases.js";

runFamily("reduce", REDUCE);

import { tensor, zeros } from "../../src/index.js";

test("reduction errors and edge cases", () => {
  const x = zeros([2, 3]);
  assert.throws(() => x.sum(2), /sum: dim 2 is out of range for a tensor with 2 dims \(expected -2 to 1\)/);
  assert.throws(() => x.sum([0, -2]), /sum: dim \[0,-2\] contains a repeated dim/);
  assert.throws(() => x.max(-3), /max: dim -3 is out of range/);
  assert.throws(() => zeros([2, 0]).max(1), /max: cannot reduce over a dim of size 0/);
  assert.throws(() => zeros([0]).argmax(), /argmax: cannot reduce over a dim of size 0/);
  assert.throws(() => tensor([1, 2], { dtype: "int32" }).mean(), /mean: input must be float32 or float64, got int32/);
  assert.throws(() => x.norm(0), /norm: p must be a positive number or Infinity, got 0/);
  assert.deepEqual(zeros([2, 0]).sum(1).tolist(), [0, 0], "an empty sum is 0");
  assert.deepEqual(tensor([[1, 2], [3, 4]], { dtype: "int32" }).sum(0).tolist(), [4, 6]);
  assert.equal(tensor([[1, 2], [3, 4]], { dtype: "int32" }).sum().dtype, "int32");
  // 0-d tensors accept dim 0 / -1 and reducing over it is the identity (torch.tensor(3.).sum(0) == 3).
  const s = tensor(3, { requiresGrad: true });
  assert.equal(s.sum(0).item(), 3, "0-d sum(0)");
  assert.deepEqual(s.mean(-1, true).shape, []);
  assert.equal(s.mean(-1, true).item(), 3);
  const m = s.max(0);
  assert.deepEqual([m.values.item(), m.indices.item()], [3, 0]);
  m.values.backward();
  assert.equal(s.grad!.item(), 1, "max over a 0-d dim routes the gradient to its one element");
  assert.throws(() => s.sum(1), /sum: dim 1 is out of range for a tensor with 0 dims \(expected -1 to 0\)/);
  assert.equal(tensor([1, NaN, 3]).max().item(), NaN);
  assert.deepEqual(tensor([[1, NaN, 5]]).argmax(1).tolist(), [1], "NaN wins, like PyTorch");
  assert.deepEqual([...tensor([2, 7, 7, 1]).argmax(0, true).shape], [1]);
});
