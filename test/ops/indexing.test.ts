// indexing ops against PyTorch (test/fixtures/gen_core.py): values in float64 and float32, gradients, gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFamily, INDEXING } from "./core_cases.js";

runFamily("indexing", INDEXING);

import { tensor, zeros } from "../../src/index.js";

test("indexing errors: out-of-range and non-int32 indices", () => {
  const x = zeros([3, 4]);
  const i = (v: number[] | number[][]) => tensor(v as never, { dtype: "int32" });
  assert.throws(() => x.indexSelect(0, i([0, 3])), /indexSelect: index 3 is out of range for dim 0 of size 3/);
  assert.throws(() => x.indexSelect(0, tensor([0])), /indexSelect: index must be int32, got float32/);
  assert.throws(() => x.indexSelect(0, i([[0]])), /index must be 0-d or 1-d/);
  assert.throws(() => x.gather(1, i([[4]])), /gather: index 4 is out of range for dim 1 of size 4/);
  assert.throws(() => x.gather(1, i([0, 1])), /gather: index must have as many dims as the input \(2\)/);
  assert.throws(() => x.gather(1, i([[0], [0], [0], [0]])), /gather: index shape \[4, 1\] is larger than the input's \[3, 4\] in dim 0/);
  assert.throws(() => x.scatterAdd(1, i([[0, 1]]), zeros([1, 1])), /scatterAdd: src shape \[1, 1\] must be at least index shape \[1, 2\]/);
  assert.throws(() => x.indexSelect(2, i([0])), /indexSelect: dim 2 is out of range/);
});

test("oneHot: int32 output, inferred and explicit class count, errors", async () => {
  const { ops } = await import("../../src/index.js");
  const o = ops.oneHot(tensor([2, 0], { dtype: "int32" }));
  assert.equal(o.dtype, "int32");
  assert.deepEqual(o.tolist(), [[0, 0, 1], [1, 0, 0]]);
  assert.throws(() => ops.oneHot(tensor([3], { dtype: "int32" }), 3), /oneHot: label 3 is out of range for 3 classes/);
  assert.throws(() => ops.oneHot(tensor([-1], { dtype: "int32" }), 3), /label -1 is out of range/);
  assert.throws(() => ops.oneHot(tensor([1])), /oneHot: labels must be int32, got float32/);
});
