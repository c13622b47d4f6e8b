// elementwise ops against PyTorch (test/fixtures/gen_core.py): values in float64 and float32, gradients, gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFamily, ELEMENTWISE } from "./core_cases.js";

runFamily("elementwise", ELEMENTWISE);

import { tensor, zeros, where, ops } from "../../src/index.js";

test("elementwise errors: broadcast failures name both shapes", () => {
  const a = zeros([2, 3]), b = zeros([4]);
  for (const f of [() => a.add(b), () => a.mul(b), () => a.sub(b), () => a.div(b), () => a.pow(b), () => a.maximum(b), () => a.eq(b)]) {
    assert.throws(f, /shapes \[2, 3\] and \[4\] cannot be broadcast together \(dim -1 has sizes 3 and 4\)/);
  }
  assert.throws(() => a.add(zeros([3, 3])), /add: shapes \[2, 3\] and \[3, 3\] cannot be broadcast together \(dim -2 has sizes 2 and 3\)/);
  assert.throws(() => where(zeros([5]), a, a), /where: shapes \[5\] and \[2, 3\] cannot be broadcast/);
  assert.throws(() => a.maskedFill(zeros([2, 2, 3]), 1), /maskedFill: mask of shape \[2, 2, 3\] does not broadcast to the input's shape \[2, 3\]/);
  assert.throws(() => a.add("1" as never), /add: other must be a Tensor, got string/);
  assert.throws(() => ops.add(1 as never, 2 as never), /at least one argument must be a Tensor/);
  assert.throws(() => a.clamp(), /clamp: at least one of min and max must be given/);
  assert.throws(() => a.to("int8" as never), /to: unknown dtype "int8"/);
  assert.throws(() => a.add_(zeros([3, 3])), /add_: shapes \[2, 3\] and \[3, 3\]/);
  assert.throws(() => a.add_(zeros([2, 2, 3])), /add_: result of shape \[2, 2, 3\] does not fit the in-place tensor's shape \[2, 3\]/);
});

test("in-place ops write through views and keep dtype", () => {
  const x = tensor([[1, 2], [3, 4]], { dtype: "int32" });
  x.select(1, 0).mul_(10);
  assert.deepEqual(x.tolist(), [[10, 2], [30, 4]]);
  x.add_(tensor([1, 1], { dtype: "int32" }), 2);
  assert.deepEqual(x.tolist(), [[12, 4], [32, 6]]);
  assert.equal(x.dtype, "int32");
  const y = zeros([2, 2]);
  y.t().copy_(tensor([[1, 2], [3, 4]]));
  assert.deepEqual(y.tolist(), [[1, 3], [2, 4]]);
  y.clamp_(1.5, 2.5);
  assert.deepEqual(y.tolist(), [[1.5, 2.5], [2, 2.5]]);
});
