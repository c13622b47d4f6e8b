// The seedable generator: reproducibility, state save/restore, and distribution sanity.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rand, randn, randint, randperm, manualSeed, getRngState, setRngState, Generator } from "../../src/index.js";

const N = 100_000;

function stats(a: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < a.length; i++) { s += a[i]; s2 += a[i] * a[i]; min = Math.min(min, a[i]); max = Math.max(max, a[i]); }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

test("manualSeed makes rand/randn/randint/randperm reproducible; other seeds differ", () => {
  const draw = (): number[][] => [
    [...rand([5]).toArray()], [...randn([5], { dtype: "float64" }).toArray()], [...randint(0, 1000, [5]).toArray()], [...randperm(10).toArray()],
  ];
  manualSeed(42);
  const a = draw();
  manualSeed(42);
  assert.deepEqual(draw(), a);
  manualSeed(43);
  assert.notDeepEqual(draw(), a);
  manualSeed(42 + 2 ** 32); // large seeds are not truncated to the same 32 bits
  assert.notDeepEqual(draw(), a);
});

test("saving and restoring the generator state reproduces the stream (incl. the cached normal)", () => {
  manualSeed(7);
  randn([3]); // leaves a cached Box-Muller value
  const state = getRngState();
  const first = [...randn([5], { dtype: "float64" }).toArray(), ...rand([4], { dtype: "float64" }).toArray()];
  setRngState(state);
  const again = [...randn([5], { dtype: "float64" }).toArray(), ...rand([4], { dtype: "float64" }).toArray()];
  assert.deepEqual(again, first);
  const g = new Generator(123);
  const s = g.getState();
  const x = rand([4], { generator: g, dtype: "float64" }).toArray();
  g.setState(JSON.parse(JSON.stringify(s))); // the state survives a JSON round trip (checkpoints)
  assert.deepEqual(rand([4], { generator: g, dtype: "float64" }).toArray(), x);
  assert.deepEqual(rand([4], { generator: new Generator(123), dtype: "float64" }).toArray(), x, "same seed, same stream");
  assert.throws(() => g.setState({ s: [1, 2], spare: null } as never), /expected \{ s: \[4 integers\]/);
});

test("rand is uniform in [0, 1): 100k samples", () => {
  manualSeed(1);
  for (const dtype of ["float32", "float64"] as const) {
    const s = stats(rand([N], { dtype }).toArray());
    assert.ok(s.min >= 0 && s.max < 1, `${dtype} range [${s.min}, ${s.max}]`);
    assert.ok(Math.abs(s.mean - 0.5) < 0.005, `${dtype} mean ${s.mean}`);
    assert.ok(Math.abs(s.std - Math.sqrt(1 / 12)) < 0.003, `${dtype} std ${s.std}`);
  }
});

test("randn is standard normal: 100k samples", () => {
  manualSeed(2);
  const x = randn([N], { dtype: "float64" }).toArray();
  const s = stats(x);
  assert.ok(Math.abs(s.mean) < 0.015, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 1) < 0.01, `std ${s.std}`);
  let within1 = 0;
  for (const v of x) if (Math.abs(v) < 1) within1++;
  assert.ok(Math.abs(within1 / N - 0.6827) < 0.006, `P(|x|<1) = ${within1 / N}`);
});

test("randint covers [low, high) uniformly; randperm is a permutation", () => {
  manualSeed(3);
  const x = randint(-3, 4, [N]);
  assert.equal(x.dtype, "int32");
  const counts = new Map<number, number>();
  for (const v of x.toArray()) counts.set(v, (counts.get(v) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
  for (const c of counts.values()) assert.ok(Math.abs(c / N - 1 / 7) < 0.006, `frequency ${c / N}`);
  assert.deepEqual([...randint(5, 6, [4]).toArray()], [5, 5, 5, 5]);
  const p = [...randperm(50).toArray()];
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(p, Array.from({ length: 50 }, (_, i) => i));
  assert.equal(randperm(0).size, 0);
  assert.throws(() => randint(3, 3, [2]), /high \(3\) must be greater than low \(3\)/);
  assert.throws(() => randint(0, 2.5, [2]), /must be integers/);
  assert.throws(() => rand([2], { dtype: "int32" }), /rand: dtype must be float32 or float64/);
  assert.throws(() => manualSeed(NaN), /seed must be a finite number/);
});
