// The built-in Fashion-MNIST subset shipped in data/fashion-mnist-subset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { data } from "../../src/index.js";

test("builtin Fashion-MNIST: 10,000 train / 2,000 test, stratified, first images as in the original files", () => {
  for (const [train, n, per, sha] of [
    [true, 10000, 1000, "5bd44e331a6d6998daf675700cd0c13dcd7af8ab954b7585124124da61459e7b"],
    [false, 2000, 200, "ffc7351ed0f8bae542820866086177fa4e0b366b97bf9d998dffdb8dbe138787"],
  ] as const) {
    const ds = data.datasets.FashionMNIST({ builtin: true, train });
    assert.equal(ds.length, n);
    const counts = new Array(10).fill(0);
    for (const y of ds.targets) counts[y]++;
    assert.deepEqual(counts, new Array(10).fill(per));
    const [img, y] = ds.get(0) as [data.Image, number];
    assert.deepEqual([img.height, img.width, img.channels], [28, 28, 1]);
    assert.equal(y, 9); // the first image of both original files is an ankle boot
    assert.equal(createHash("sha256").update(img.data).digest("hex"), sha);
  }
  assert.throws(() => data.datasets.FashionMNIST({ builtin: true, root: "x" }), /either \{ builtin: true \} or \{ root \}/);
  assert.throws(() => data.datasets.MNIST({ builtin: true } as never), /no built-in MNIST/);
});
