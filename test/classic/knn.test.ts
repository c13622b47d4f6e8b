import { test } from "node:test";
import assert from "node:assert/strict";
import { classic, tensor, randn, randint, manualSeed, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const { KNearestNeighbor } = classic;

/** Brute-force distances straight from the definitions (float64). */
function bruteDistances(q: number[][], x: number[][], metric: "l1" | "l2"): number[][] {
  return q.map((a) => x.map((b) => {
    let s = 0;
    for (let d = 0; d < a.length; d++) s += metric === "l1" ? Math.abs(a[d] - b[d]) : (a[d] - b[d]) ** 2;
    return metric === "l1" ? s : Math.sqrt(s);
  }));
}

/** Brute-force kNN: stable sort of a whole row, majority vote, ties to the smallest label. */
function brutePredict(q: number[][], x: number[][], y: number[], k: number, metric: "l1" | "l2"): number[] {
  return bruteDistances(q, x, metric).map((row) => {
    const order = row.map((d, i) => [d, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k);
    const counts = new Map<number, number>();
    for (const [, i] of order) counts.set(y[i], (counts.get(y[i]) ?? 0) + 1);
    let best = -1, bestC = -1;
    for (const [label, c] of [...counts.entries()].sort((a, b) => a[0] - b[0])) if (c > bestC) { best = label; bestC = c; }
    return best;
  });
}

const list = (t: Tensor): number[] => Array.from(t.toArray());

test("kNN k=1 on hand-made 1-d data, and predict({ k }) overrides", () => {
  const X = tensor([[0], [1], [5], [6]], { dtype: "float64" });
  const y = tensor([0, 0, 1, 1], { dtype: "int32" });
  const knn = new KNearestNeighbor().fit(X, y);
  const pred = knn.predict(tensor([[0.4], [5.4], [2.9], [3.1]], { dtype: "float64" }));
  assert.equal(pred.dtype, "int32");
  assert.deepEqual(list(pred), [0, 1, 0, 1]);
  // k = 3 around 4.0: neighbours 5 (1), 6 (1), 1 (0) → label 1.
  assert.deepEqual(list(knn.predict(tensor([[4.0]], { dtype: "float64" }), { k: 3 })), [1]);
});

test("kNN vote ties go to the smallest label; equal distances keep the earlier training row", () => {
  const X = tensor([[0], [2], [10], [12]], { dtype: "float64" });
  const y = tensor([3, 1, 2, 2], { dtype: "int32" });
  const knn = new KNearestNeighbor({ k: 2 }).fit(X, y);
  // Query 1: neighbours 0 (label 3) and 2 (label 1): one vote each → the smaller label, 1.
  assert.deepEqual(list(knn.predict(tensor([[1]], { dtype: "float64" }))), [1]);
  // k = 1 with two training points at equal distance: the earlier one (label 3) is the neighbour.
  assert.deepEqual(list(knn.predict(tensor([[1]], { dtype: "float64" }), { k: 1 })), [3]);
  // k = 4: labels 3, 1, 2, 2 → 2 wins outright.
  assert.deepEqual(list(knn.predict(tensor([[1]], { dtype: "float64" }), { k: 4 })), [2]);
  // A three-way tie among labels 5, 0, 4 → 0.
  const knn3 = new KNearestNeighbor({ k: 3 }).fit(tensor([[1], [2], [3]]), tensor([5, 0, 4], { dtype: "int32" }));
  assert.deepEqual(list(knn3.predict(tensor([[2]]))), [0]);
});

test("kNN L1 and L2 pick different neighbours where the metrics disagree", () => {
  // From the origin: A = (3, 0) has L1 3, L2 3; B = (2, 2) has L1 4, L2 2.83.
  const X = tensor([[3, 0], [2, 2]], { dtype: "float64" });
  const y = tensor([0, 1], { dtype: "int32" });
  const q = tensor([[0, 0]], { dtype: "float64" });
  assert.deepEqual(list(new KNearestNeighbor({ metric: "l1" }).fit(X, y).predict(q)), [0]);
  assert.deepEqual(list(new KNearestNeighbor({ metric: "l2" }).fit(X, y).predict(q)), [1]);
  assertClose(new KNearestNeighbor({ metric: "l1" }).fit(X, y).distances(q), tensor([[3, 4]], { dtype: "float64" }));
  assertClose(new KNearestNeighbor().fit(X, y).distances(q), tensor([[3, Math.sqrt(8)]], { dtype: "float64" }));
});

for (const metric of ["l1", "l2"] as const) {
  test(`kNN ${metric}: distances match brute force (float64 1e-10, float32 1e-5) and predictions match a brute-force vote`, () => {
    manualSeed(1);
    const X = randn([37, 6], { dtype: "float64" }), q = randn([11, 6], { dtype: "float64" });
    const y = randint(0, 4, [37]);
    const xs = X.tolist() as number[][], qs = q.tolist() as number[][], ys = list(y);
    const expected = tensor(bruteDistances(qs, xs, metric), { dtype: "float64" });
    const knn = new KNearestNeighbor({ metric }).fit(X, y);
    assertClose(knn.distances(q), expected, { rtol: 1e-10, atol: 1e-10 });
    const knn32 = new KNearestNeighbor({ metric }).fit(X.float(), y);
    const d32 = knn32.distances(q.float());
    assert.equal(d32.dtype, "float32");
    assertClose(d32, expected.float(), { rtol: 1e-5, atol: 1e-5 });
    for (const k of [1, 3, 4, 7]) assert.deepEqual(list(knn.predict(q, { k })), brutePredict(qs, xs, ys, k, metric), `k = ${k}`);
    // kneighbors: the k smallest of each brute-force row, ascending.
    const { indices, distances } = knn.kneighbors(q, { k: 3 });
    const rows = expected.tolist() as number[][];
    const want = rows.map((r) => r.map((d, i) => [d, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, 3));
    assert.deepEqual(indices.tolist(), want.map((r) => r.map((p) => p[1])));
    assertClose(distances, tensor(want.map((r) => r.map((p) => p[0])), { dtype: "float64" }), { rtol: 1e-10, atol: 1e-10 });
  });

  test(`kNN ${metric}: a tiny memoryBudget (many blocks) gives the same result as one block`, () => {
    manualSeed(2);
    const X = randn([53, 5]), y = randint(0, 6, [53]), q = randn([29, 5]);
    const big = new KNearestNeighbor({ metric, k: 4 }).fit(X, y);
    // 100 bytes: a few distances per block, so both queries and training rows are split.
    const small = new KNearestNeighbor({ metric, k: 4, memoryBudget: 100 }).fit(X, y);
    assert.deepEqual(list(small.predict(q)), list(big.predict(q)));
    assert.deepEqual(small.kneighbors(q).indices.tolist(), big.kneighbors(q).indices.tolist());
    // distances() in blocks of 3 query rows (the budget leaves room for 3 rows of temporaries).
    const tight = new KNearestNeighbor({ metric, memoryBudget: 29 * 53 * 4 + 3 * 53 * 4 }).fit(X, y);
    assertClose(tight.distances(q), big.distances(q), { rtol: 1e-5, atol: 1e-5 }); // a GEMM may round differently per block shape
    // predictMany = several predict() calls.
    const many = big.predictMany(q, [1, 4, 9]);
    assert.deepEqual(many.map(list), [1, 4, 9].map((k) => list(big.predict(q, { k }))));
  });
}

test("kNN accepts image-shaped input ([N, C, H, W] is flattened) and score() is accuracy", () => {
  const X = tensor([[[[0, 0], [0, 0]]], [[[1, 1], [1, 1]]]]);
  const y = tensor([0, 1], { dtype: "int32" });
  const knn = new KNearestNeighbor().fit(X, y);
  assert.deepEqual(list(knn.predict(tensor([[[[0.9, 1], [1, 0.8]]]]))), [1]);
  assert.equal(knn.score(tensor([[[[0.9, 1], [1, 0.8]]], [[[0.9, 1], [1, 0.8]]]]), tensor([1, 0], { dtype: "int32" })), 0.5);
  assert.equal(knn.numTrain, 2);
});

test("kNN errors teach", () => {
  const X = tensor([[0, 0], [1, 1]]), y = tensor([0, 1], { dtype: "int32" });
  assert.throws(() => new KNearestNeighbor().predict(X), /call fit\(X, y\) first/);
  assert.throws(() => new KNearestNeighbor({ k: 0 }), /k must be an integer ≥ 1, got 0/);
  assert.throws(() => new KNearestNeighbor({ metric: "cosine" as "l1" }), /metric must be "l1" or "l2"/);
  assert.throws(() => new KNearestNeighbor().fit(X, tensor([0, 1])), /must be int32 class labels, got float32/);
  assert.throws(() => new KNearestNeighbor().fit(X, tensor([0, 1, 1], { dtype: "int32" })), /must have shape \[2\]/);
  assert.throws(() => new KNearestNeighbor().fit(X, tensor([0, -1], { dtype: "int32" })), /y\[1\] is -1/);
  assert.throws(() => new KNearestNeighbor().fit(tensor([[1, 2]], { dtype: "int32" }), tensor([0], { dtype: "int32" })), /float tensor, got int32/);
  const knn = new KNearestNeighbor().fit(X, y);
  assert.throws(() => knn.predict(tensor([[0, 0, 0]])), /queries have 3 features .* training data has 2/);
  assert.throws(() => knn.predict(X, { k: 3 }), /k = 3 is larger than the 2 training rows/);
  assert.throws(() => knn.predictMany(X, []), /non-empty array/);
  const tight = new KNearestNeighbor({ memoryBudget: 10 }).fit(X, y);
  assert.throws(() => tight.distances(X), /needs 0\.0 MiB, more than memoryBudget/);
  assert.throws(() => new KNearestNeighbor({ k: 2, memoryBudget: 10 }).fit(X, y).predict(X), /memoryBudget \(10 bytes\) is too small/);
});
