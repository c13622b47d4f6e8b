// Shape ops and creation against PyTorch (test/fixtures/gen_core.py), plus view semantics and errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, zeros, arange, cat, stack } from "../../src/index.js";
import { runFamily, coreCases, FAMILIES, SHAPE, CREATION } from "./core_cases.js";

runFamily("creation", CREATION);
runFamily("shape", SHAPE);

test("every core fixture case has an implementation in some family", () => {
  const known = new Set(Object.values(FAMILIES).flatMap((t) => Object.keys(t)));
  const missing = [...new Set(coreCases().map((c) => c.op).filter((op) => !known.has(op)))];
  assert.deepEqual(missing, []);
});

test("views share storage with their base; reshape copies only when it must", () => {
  const x = arange(6, undefined, 1, { dtype: "float32" }).reshape(2, 3);
  const v = x.view(3, 2);
  assert.equal(v.storage, x.storage);
  assert.equal(x.t().storage, x.storage);
  assert.equal(x.narrow(1, 1, 2).storage, x.storage);
  assert.equal(x.unsqueeze(0).expand(4, 2, 3).storage, x.storage);
  x.select(0, 1).fill_(9); // writes through the view
  assert.deepEqual(x.tolist(), [[0, 1, 2], [9, 9, 9]]);
  const tr = x.t();
  assert.equal(tr.isContiguous(), false);
  const r = tr.reshape(6);
  assert.notEqual(r.storage, x.storage, "a transposed tensor cannot be flattened without a copy");
  assert.deepEqual(r.tolist(), [0, 9, 1, 9, 2, 9]);
  assert.equal(x.contiguous(), x, "contiguous() of a contiguous tensor is itself");
  assert.deepEqual(tr.contiguous().tolist(), [[0, 9], [1, 9], [2, 9]]);
  assert.equal(tr.unsqueeze(1).view(3, 2).storage, x.storage, "size-1 dims do not block a view");
  assert.deepEqual(x.reshape([3, -1]).shape, [3, 2]);
  assert.deepEqual(tensor(5).reshape().shape, []);
  assert.deepEqual(tensor([5]).reshape([]).shape, []);
  assert.deepEqual(zeros([0, 3]).reshape(-1, 3).shape, [0, 3]);
});

test("shape errors name the op and what was wrong", () => {
  const x = zeros([2, 3]);
  assert.throws(() => x.t().view(6), /view: size \[6\] is not compatible with the input's strides \(shape \[3, 2\], strides \[1, 3\]\); use reshape\(\)/);
  assert.throws(() => x.reshape(4, -1), /reshape: shape \[4, -1\] is invalid for input of size 6 \(shape \[2, 3\]\)/);
  assert.throws(() => x.reshape(-1, -1), /only one dimension can be -1/);
  assert.throws(() => x.view(5), /view: shape \[5\] is invalid for input of size 6/);
  assert.throws(() => x.transpose(0, 2), /transpose: dim 2 is out of range for a tensor with 2 dims \(expected -2 to 1\)/);
  assert.throws(() => x.permute(0), /permute: got 1 dims \[0\] for a tensor with 2 dims/);
  assert.throws(() => x.permute(0, 0), /repeat a dim/);
  assert.throws(() => x.squeeze(3), /squeeze: dim 3 is out of range/);
  assert.throws(() => x.unsqueeze(4), /unsqueeze: dim 4 is out of range for a tensor with 3 dims/);
  assert.throws(() => x.expand(3, 3), /expand: the input's size 2 at dim 0 must match the target size 3 or be 1/);
  assert.throws(() => x.expand(3), /fewer dims/);
  assert.throws(() => x.narrow(1, 2, 2), /narrow: start 2 and length 2 are out of range for dim 1 of size 3/);
  assert.throws(() => x.select(0, 2), /select: index 2 is out of range for dim 0 of size 2/);
  assert.throws(() => x.chunk(0), /chunks must be a positive integer/);
  assert.throws(() => x.split([1, 1], 1), /split: sections \[1, 1\] sum to 2, but dim 1 has size 3/);
  assert.throws(() => x.flatten(1, 0), /startDim \(1\) cannot come after endDim \(0\)/);
  assert.throws(() => x.unflatten(1, [2, 2]), /unflatten: shape \[2, 2\] is invalid for input of size 3/);
  assert.throws(() => x.repeat(2), /repeat: got 1 repeat counts for a tensor with 2 dims/);
  assert.throws(() => cat([x, zeros([2, 4])], 0), /cat: tensors\[1\] has shape \[2, 4\], which does not match tensors\[0\]'s \[2, 3\] except in dim 0/);
  assert.throws(() => cat([x, zeros([2, 3], { dtype: "float64" })]), /cat: tensors\[1\] is float64 but tensors\[0\] is float32/);
  assert.throws(() => cat([]), /non-empty array/);
  assert.throws(() => stack([x, zeros([3, 2])]), /stack: tensors\[1\] has shape \[3, 2\] but tensors\[0\] has \[2, 3\]/);
  assert.throws(() => stack([x], 3), /stack: dim 3 is out of range/);
});
