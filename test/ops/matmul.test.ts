// matmul ops against PyTorch (test/fixtures/gen_core.py): values in float64 and float32, gradients, gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFamily, MATMUL } from "./core_cases.js";

runFamily("matmul", MATMUL);

import { tensor, zeros, F } from "../../src/index.js";

test("matmul errors name both shapes", () => {
  assert.throws(() => zeros([2, 3]).matmul(zeros([2, 3])), /matmul: inner dimensions do not match: \[2, 3\] @ \[2, 3\] \(3 vs 2\)/);
  assert.throws(() => zeros([3]).matmul(zeros([4])), /inner dimensions do not match: \[3\] @ \[4\]/);
  assert.throws(() => zeros([2, 2, 3]).matmul(zeros([3, 3, 2])), /matmul: shapes \[2\] and \[3\] cannot be broadcast together/);
  assert.throws(() => tensor(2).matmul(zeros([2])), /matmul: both arguments need at least 1 dim/);
  assert.throws(() => zeros([2, 2], { dtype: "int32" }).matmul(zeros([2, 2], { dtype: "int32" })), /int32 tensors are not supported/);
  assert.throws(() => zeros([3]).mm(zeros([3, 2])), /mm: expects two 2-d tensors, got shapes \[3\] and \[3, 2\]/);
  assert.throws(() => zeros([2, 2, 3]).bmm(zeros([3, 3, 2])), /bmm: expects two 3-d tensors with the same batch size/);
  assert.throws(() => F.linear(zeros([2, 3]), zeros([4, 5])), /linear: input has 3 features \(shape \[2, 3\]\) but weight expects 5 \(weight shape \[4, 5\]\)/);
  assert.throws(() => F.linear(zeros([2, 3]), zeros([4, 3]), zeros([3])), /linear: bias must have shape \[4\], got \[3\]/);
});

test("matmul promotes mixed dtypes and handles empty inner dims", () => {
  const r = tensor([[1, 2]]).matmul(tensor([[3], [4]], { dtype: "float64" }));
  assert.equal(r.dtype, "float64");
  assert.deepEqual(r.tolist(), [[11]]);
  assert.deepEqual(zeros([2, 0]).matmul(zeros([0, 3])).tolist(), [[0, 0, 0], [0, 0, 0]]);
});
