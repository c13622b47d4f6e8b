// Every layer against PyTorch (test/fixtures/gen_nn.py): the PyTorch state dict loads strictly
// (same keys, order, shapes), then outputs, input and parameter gradients, updated buffers and
// str(module) must match, in float64 (1e-10) and float32 (1e-5).

import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, Tensor, randn, manualSeed } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, isFixtureTensor, type FixtureTensor } from "../helpers.js";

const fx = loadFixture("nn");

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Construct nn[name](...args), replacing the fixture's tensor placeholders ("W3") by tensors. */
export function build(name: string, args: unknown[], dtype: DType = "float64"): nn.Module {
  const fix = (v: unknown): unknown => {
    if (typeof v === "string" && v in fx.tensors) return T(fx.tensors[v], { dtype });
    if (v && typeof v === "object" && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
    return v;
  };
  const Ctor = (nn as Any)[name];
  assert.ok(typeof Ctor === "function", `nn.${name} is missing`);
  return new Ctor(...args.map(fix));
}

function stateOf(entries: [string, FixtureTensor][], dtype?: DType): Record<string, Tensor> {
  return Object.fromEntries(entries.map(([k, v]) => [k, T(v, v.dtype === "int32" ? {} : { dtype })]));
}

for (const c of fx.cases) {
  for (const dtype of ["float64", "float32"] as DType[]) {
    test(`${c.py} matches PyTorch (${dtype})`, () => {
      const m = build(c.name, c.args, dtype).to(dtype);
      assert.deepEqual(Object.keys(m.stateDict()), c.state.map((e: [string]) => e[0]), "state-dict keys and order");
      m.loadStateDict(stateOf(c.state, dtype));
      m.train(c.mode === "train");
      const inputs = c.inputs.map((v: unknown) => {
        if (!isFixtureTensor(v)) return v;
        return v.dtype === "int32" ? T(v) : T(v, { dtype, requiresGrad: true });
      });
      // Feed a non-leaf (x·1) like the generator, so inplace-flagged layers see the same thing.
      const out = m.forward(...inputs.map((t: unknown) => (t instanceof Tensor && t.requiresGrad ? t.mul(1) : t))) as Tensor;
      const tol = dtype === "float32" ? { rtol: 2e-5, atol: 2e-6 } : {};
      assertClose(out, T(c.out, { dtype }), { ...tol, msg: "output" });
      out.mul(T(c.gw, { dtype })).sum().backward();
      c.input_grads.forEach((g: FixtureTensor | null, i: number) => {
        if (g) assertClose((inputs[i] as Tensor).grad!, T(g, { dtype }), { ...tol, msg: `grad of input ${i}` });
      });
      const params = Object.fromEntries(m.namedParameters());
      assert.deepEqual(Object.keys(params), c.param_grads.map((e: [string]) => e[0]), "parameter names");
      for (const [k, g] of c.param_grads as [string, FixtureTensor][]) assertClose(params[k].grad!, T(g, { dtype }), { ...tol, msg: `grad of ${k}` });
      const after = m.stateDict();
      for (const [k, v] of c.state_after as [string, FixtureTensor][]) {
        assertClose(after[k], v.dtype === "int32" ? T(v) : T(v, { dtype }), { ...tol, msg: `state ${k} after forward` });
      }
      assert.equal(String(m), c.repr);
    });
  }
}

for (const c of fx.reprs) {
  test(`repr of ${c.py}`, () => {
    assert.equal(String(build(c.name, c.args)), c.repr);
  });
}

test("layers pass a float64 gradcheck with respect to their input (parameter grads are checked against PyTorch above)", () => {
  manualSeed(1);
  const conv = new nn.Conv2d(2, 2, 3, { padding: 1, paddingMode: "reflect", dtype: "float64" });
  assertGradcheck((x) => conv.forward(x), [randn([1, 2, 4, 4])]);
  const bn = new nn.BatchNorm1d(3, { dtype: "float64" });
  assertGradcheck((x) => bn.forward(x), [randn([4, 3])]);
  const ct = new nn.ConvTranspose2d(2, 1, 3, { stride: 2, dtype: "float64" });
  assertGradcheck((x) => ct.forward(x, [6, 8]), [randn([1, 2, 2, 3])]);
});

test("constructor errors teach", () => {
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /inChannels \(3\) must be divisible by groups \(2\)/);
  assert.throws(() => new nn.Conv2d(4, 3, 3, { groups: 2 }), /outChannels \(3\) must be divisible by groups/);
  assert.throws(() => new nn.Conv2d(4, 4, 3, { padding: "same", stride: 2 }), /padding="same" is not supported for strided/);
  assert.throws(() => new nn.Conv2d(4, 4, 3, { paddingMode: "mirror" as Any }), /paddingMode must be one of/);
  assert.throws(() => new nn.ConvTranspose2d(4, 4, 3, { paddingMode: "reflect" as Any }), /only "zeros" paddingMode/);
  assert.throws(() => new nn.Linear(2.5, 3), /Linear: inFeatures must be an integer/);
  assert.throws(() => new nn.Dropout(1.5), /dropout probability has to be between 0 and 1, but got 1.5/);
  assert.throws(() => new nn.GroupNorm(4, 6), /numChannels \(6\) must be divisible by numGroups \(4\)/);
  assert.throws(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), /paddingIdx must be within numEmbeddings/);
  assert.throws(() => new nn.MultiMarginLoss({ p: 3 as Any }), /only p == 1 and p == 2 supported/);
  assert.throws(() => new nn.MSELoss({ reduction: "avg" as Any }), /"avg" is not a valid value for reduction/);
  assert.throws(() => new nn.Upsample({}), /either size or scaleFactor should be defined/);
  assert.throws(() => new nn.BatchNorm2d(3).forward(randn([2, 3])), /BatchNorm2d: expected 4D input \(got 2D input/);
  assert.throws(() => new nn.BatchNorm1d(3).forward(randn([2, 3, 4, 5])), /expected 2D or 3D input \(got 4D input/);
  const ct = new nn.ConvTranspose2d(1, 1, 3, { stride: 2 });
  assert.throws(() => ct.forward(randn([1, 1, 4, 4]), [12, 9]), /requested an output size of \[12, 9\], but valid sizes range from \[9, 9\] to \[10, 10\]/);
});

test("layer details: defaults, attribute names, returnIndices, fromPretrained, unbatched input", () => {
  manualSeed(0);
  const bn = new nn.BatchNorm2d(3);
  assert.deepEqual([...bn.running_mean!.toArray()], [0, 0, 0]);
  assert.deepEqual([...bn.running_var!.toArray()], [1, 1, 1]);
  assert.equal(bn.num_batches_tracked!.dtype, "int32");
  assert.deepEqual([...bn.weight!.toArray()], [1, 1, 1]);
  assert.deepEqual([...bn.bias!.toArray()], [0, 0, 0]);
  bn.forward(randn([2, 3, 2, 2]));
  bn.forward(randn([2, 3, 2, 2]));
  assert.equal(bn.num_batches_tracked!.item(), 2);
  bn.eval().forward(randn([2, 3, 2, 2]));
  assert.equal(bn.num_batches_tracked!.item(), 2, "eval does not count batches");
  const noStats = new nn.BatchNorm2d(3, { trackRunningStats: false });
  assert.deepEqual(Object.keys(noStats.stateDict()), ["weight", "bias"]);
  assert.equal(noStats.running_mean, null);

  const prelu = new nn.PReLU(4);
  assert.deepEqual([...prelu.weight.toArray()], [0.25, 0.25, 0.25, 0.25]);
  const emb = new nn.Embedding(5, 3, { paddingIdx: -1 });
  assert.equal(emb.paddingIdx, 4);
  assert.deepEqual([...emb.weight.select(0, 4).toArray()], [0, 0, 0]);
  const pre = nn.Embedding.fromPretrained(randn([4, 2]));
  assert.equal(pre.weight.requiresGrad, false);

  const pool = new nn.MaxPool2d(2, { returnIndices: true });
  const { output, indices } = pool.forward(randn([1, 1, 4, 4]));
  assert.deepEqual(output.shape, [1, 1, 2, 2]);
  assert.equal(indices.dtype, "int32");
  const unpooled = new nn.MaxUnpool2d(2).forward(output, indices);
  assert.deepEqual(unpooled.shape, [1, 1, 4, 4]);
  const amp = new nn.AdaptiveMaxPool2d(1, { returnIndices: true }).forward(randn([1, 2, 3, 3]));
  assert.deepEqual(amp.indices.shape, [1, 2, 1, 1]);

  assert.deepEqual(new nn.Conv2d(3, 4, 3).forward(randn([3, 5, 5])).shape, [4, 3, 3], "unbatched conv input");
  assert.deepEqual(new nn.Softmax().forward(randn([2, 3])).sum(1).toArray().length, 2);
  const x = randn([2, 3]);
  assert.equal(new nn.Identity(54, { unused: true }).forward(x), x);
  assert.equal(new nn.Dropout(0.5).eval().forward(x), x);
  const ln = new nn.LayerNorm(4, { bias: false });
  assert.deepEqual(Object.keys(ln.stateDict()), ["weight"]);
  const ce = new nn.CrossEntropyLoss({ weight: randn([3]) });
  assert.deepEqual(Object.keys(ce.stateDict()), ["weight"]);
  assert.equal(String(ce), "CrossEntropyLoss()");
});
