import { test } from "node:test";
import assert from "node:assert/strict";
import { classic, tensor, randn, randint, manualSeed, type Tensor } from "../../src/index.js";

const { kFold, crossValidate, randomSearch, logUniform, uniform, integer, choice } = classic;

test("kFold: np.array_split sizes, disjoint, covering, contiguous unless shuffled", () => {
  const folds = kFold(11, { folds: 5 });
  assert.deepEqual(folds.map((f) => f.val.length), [3, 2, 2, 2, 2]);
  assert.deepEqual(Array.from(folds[0].val), [0, 1, 2]);
  assert.deepEqual(Array.from(folds[1].val), [3, 4]);
  assert.deepEqual(Array.from(folds[1].train), [0, 1, 2, 5, 6, 7, 8, 9, 10]);
  const seen = folds.flatMap((f) => Array.from(f.val)).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 11 }, (_, i) => i));
  for (const f of folds) {
    assert.equal(f.train.length + f.val.length, 11);
    const v = new Set(f.val);
    assert.ok(Array.from(f.train).every((i) => !v.has(i)));
  }
  const a = kFold(20, { folds: 4, shuffle: true, seed: 3 }), b = kFold(20, { folds: 4, shuffle: true, seed: 3 });
  const c = kFold(20, { folds: 4, shuffle: true, seed: 4 });
  assert.deepEqual(a.map((f) => Array.from(f.val)), b.map((f) => Array.from(f.val)));
  assert.notDeepEqual(a.map((f) => Array.from(f.val)), c.map((f) => Array.from(f.val)));
  assert.deepEqual(a.flatMap((f) => Array.from(f.val)).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
  assert.throws(() => kFold(3, { folds: 5 }), /cannot make 5 folds from 3 rows/);
  assert.throws(() => kFold(10, { folds: 1 }), /folds must be an integer ≥ 2/);
});

test("crossValidate trains a fresh model per fold on the other folds and reports mean and std", () => {
  const X = tensor(Array.from({ length: 10 }, (_, i) => [i])), y = tensor(Array.from({ length: 10 }, (_, i) => i % 2), { dtype: "int32" });
  const seen: { fit: number[]; val: number[] }[] = [];
  const scores = [0.2, 0.4, 0.6, 0.8, 1.0];
  let made = 0;
  const r = crossValidate(() => {
    made++;
    const rec = { fit: [] as number[], val: [] as number[] };
    return {
      fit(Xf: Tensor) { rec.fit = Array.from(Xf.toArray()); },
      score(Xv: Tensor) { rec.val = Array.from(Xv.toArray()); seen.push(rec); return scores[seen.length - 1]; },
    };
  }, X, y, { folds: 5 });
  assert.equal(made, 5);
  assert.deepEqual(seen.map((s) => s.val), [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
  assert.deepEqual(seen[2].fit, [0, 1, 2, 3, 6, 7, 8, 9]);
  assert.deepEqual(r.scores, scores);
  assert.ok(Math.abs(r.mean - 0.6) < 1e-12);
  assert.ok(Math.abs(r.std - Math.sqrt(0.08)) < 1e-12); // population std of 0.2..1.0
});

test("crossValidate with kNN is deterministic for a seed and differs with shuffle", () => {
  manualSeed(11);
  const X = randn([60, 3]), y = randint(0, 3, [60]);
  const run = (o: object) => crossValidate(() => new classic.KNearestNeighbor({ k: 3 }), X, y, { folds: 4, ...o }).scores;
  assert.deepEqual(run({ shuffle: true, seed: 1 }), run({ shuffle: true, seed: 1 }));
  assert.deepEqual(run({}), run({}));
  assert.notDeepEqual(run({ shuffle: true, seed: 1 }), run({}));
  assert.throws(() => crossValidate(() => new classic.KNearestNeighbor(), X, y.narrow(0, 0, 50)), /y must have shape \[60\]/);
});

test("stratifiedSubset takes perClass rows of every class, seeded", () => {
  const y = tensor([0, 1, 2, 0, 1, 2, 0, 1, 0, 0], { dtype: "int32" });
  const s = classic.stratifiedSubset(y, 2, { seed: 0 });
  const labels = Array.from(s).map((i) => y.toArray()[i]);
  assert.deepEqual(labels.slice().sort(), [0, 0, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(s), Array.from(s).slice().sort((a, b) => a - b));
  assert.deepEqual(Array.from(classic.stratifiedSubset(y, 2, { seed: 0 })), Array.from(s));
  assert.equal(classic.stratifiedSubset(y, 3, { seed: 0 }).length, 8); // class 2 has only 2
});

test("randomSearch: same seed ⇒ same trials; sorted best first; every dimension stays in range", () => {
  const space = { lr: logUniform(1e-4, 1e-1), p: uniform(-1, 2), n: integer(3, 5), act: choice(["relu", "tanh"] as const) };
  const objective = ({ lr, p }: { lr: number; p: number }) => -Math.abs(Math.log10(lr) + 2) - p * p;
  const a = randomSearch(space, objective, { trials: 200, seed: 42 });
  const b = randomSearch(space, objective, { trials: 200, seed: 42 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(randomSearch(space, objective, { trials: 200, seed: 43 }).map((t) => t.params), a.map((t) => t.params));
  for (let i = 1; i < a.length; i++) assert.ok(a[i - 1].score >= a[i].score);
  assert.deepEqual(a.map((t) => t.index).sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i));
  const ps = a.map((t) => t.params);
  assert.ok(ps.every((p) => p.lr >= 1e-4 && p.lr <= 1e-1 && p.p >= -1 && p.p < 2));
  // log-uniform: about half below the geometric midpoint 10^-2.5 (a uniform draw would put ~3% there).
  const below = ps.filter((p) => p.lr < 10 ** -2.5).length;
  assert.ok(below > 70 && below < 130, `${below} of 200 below 10^-2.5`);
  assert.deepEqual([...new Set(ps.map((p) => p.n))].sort(), [3, 4, 5]); // both ends included
  assert.deepEqual([...new Set(ps.map((p) => p.act))].sort(), ["relu", "tanh"]);
  assert.ok(ps.every((p) => Number.isInteger(p.n)));
});

test("randomSearch: mode min, NaN scores last, objective's own randomness does not change the draws", () => {
  const space = { x: uniform(0, 1) };
  const min = randomSearch(space, ({ x }) => x, { trials: 10, seed: 1, mode: "min" });
  for (let i = 1; i < min.length; i++) assert.ok(min[i - 1].score <= min[i].score);
  const withNaN = randomSearch(space, ({ x }, i) => (i % 3 === 0 ? NaN : x), { trials: 9, seed: 1 });
  assert.ok(withNaN.slice(-3).every((t) => Number.isNaN(t.score)));
  assert.ok(withNaN.slice(0, 6).every((t) => !Number.isNaN(t.score)));
  const quiet = randomSearch(space, ({ x }) => x, { trials: 5, seed: 2 }).map((t) => t.params.x).sort();
  const noisy = randomSearch(space, ({ x }) => { randn([100]); return x; }, { trials: 5, seed: 2 }).map((t) => t.params.x).sort();
  assert.deepEqual(noisy, quiet);
});

test("search dimensions and randomSearch errors teach", () => {
  assert.throws(() => logUniform(0, 1), /lo must be > 0/);
  assert.throws(() => uniform(2, 1), /needs finite lo < hi, got lo = 2, hi = 1/);
  assert.throws(() => integer(1.5, 3), /needs integers lo ≤ hi/);
  assert.throws(() => choice([]), /non-empty array/);
  assert.throws(() => randomSearch({ lr: 0.1 as never }, () => 0), /space.lr is not a dimension/);
  assert.throws(() => randomSearch({ x: uniform(0, 1) }, () => "a" as never, { trials: 1 }), /objective must return a number, got string/);
  assert.throws(() => randomSearch({ x: uniform(0, 1) }, () => 0, { trials: 0 }), /trials must be an integer ≥ 1/);
});
