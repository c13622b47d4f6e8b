// Module machinery: registration order, traversal, de-duplication, state dicts (strict errors,
// shape mismatch, dtype conversion), train/eval, zeroGrad, to(dtype), hooks, containers, repr.

import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, Tensor, tensor, randn, zeros, manualSeed } from "../../src/index.js";

class Net extends nn.Module {
  conv = new nn.Conv2d(1, 2, 3);
  fc: nn.Linear;
  scale: nn.Parameter;
  declare steps: Tensor;

  constructor() {
    super();
    this.fc = new nn.Linear(8, 2);
    this.scale = new nn.Parameter(tensor([1]));
    this.registerBuffer("steps", zeros([1]));
  }

  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.conv.forward(x).flatten(1)).mul(this.scale);
  }
}

test("Parameter shares storage, requires grad, prints like PyTorch", () => {
  const t = tensor([1, 2]);
  const p = new nn.Parameter(t);
  assert.ok(p instanceof Tensor);
  assert.equal(p.requiresGrad, true);
  assert.equal(p.storage, t.storage);
  assert.equal(new nn.Parameter(t, false).requiresGrad, false);
  assert.equal(String(p), "Parameter containing:\ntensor([1., 2.], requires_grad=True)");
  assert.throws(() => new nn.Parameter(tensor([1], { dtype: "int32" })), /only floating point tensors can require gradients/);
});

test("parameters, buffers and children are found in registration order with PyTorch's keys", () => {
  const net = new Net();
  // PyTorch's order: module by module (pre-order), each module's own parameters first
  assert.deepEqual(net.namedParameters().map(([k]) => k), ["scale", "conv.weight", "conv.bias", "fc.weight", "fc.bias"]);
  assert.deepEqual(Object.keys(net.stateDict()), ["scale", "steps", "conv.weight", "conv.bias", "fc.weight", "fc.bias"]);
  assert.deepEqual(net.namedChildren().map(([k]) => k), ["conv", "fc"]);
  assert.deepEqual(net.namedModules().map(([k]) => k), ["", "conv", "fc"]);
  assert.deepEqual(net.namedBuffers().map(([k]) => k), ["steps"]);
  assert.deepEqual(net.namedParameters("", false).map(([k]) => k), ["scale"]);
  assert.deepEqual(net.namedParameters("model").map(([k]) => k)[1], "model.conv.weight");
  assert.equal(net.numParameters(), 2 * 9 + 2 + 16 + 2 + 1);
  assert.equal(net.getSubmodule("fc"), net.fc);
  assert.throws(() => net.getSubmodule("fc.nope"), /has no submodule "nope"/);
  assert.deepEqual(net.forward(randn([3, 1, 4, 4])).shape, [3, 2]);
  // a buffer is readable and assignable as a property, and stays out of parameters()
  net.steps = tensor([5]);
  assert.equal(net.stateDict().steps.item(), 5);
  assert.equal(net.parameters().length, 5);
});

test("registration: null slots, non-persistent buffers, names that are not properties, clashes", () => {
  const m = new nn.Module();
  m.registerParameter("w", new nn.Parameter(randn([2])));
  m.registerParameter("b", null);
  m.registerBuffer("tmp", zeros([2]), false);
  m.registerModule("0", new nn.ReLU());
  assert.deepEqual(Object.keys(m.stateDict()), ["w"]);
  assert.deepEqual(m.namedBuffers().map(([k]) => k), ["tmp"]);
  assert.deepEqual(m.namedChildren().map(([k]) => k), ["0"]);
  assert.throws(() => m.registerParameter("a.b", null), /can't contain "."/);
  assert.throws(() => m.registerParameter("tmp", null), /"tmp" is already a buffer/);
  assert.throws(() => m.registerModule("train", new nn.ReLU()), /attribute "train" already exists/);
  assert.throws(() => m.registerParameter("x", randn([2]) as nn.Parameter), /must be a Parameter or null/);
  assert.throws(() => new nn.Module().forward(1), /missing the forward\(\) method/);
});

test("parameters() de-duplicates shared parameters and modules", () => {
  const shared = new nn.Linear(3, 3);
  const seq = new nn.Sequential(shared, new nn.ReLU(), shared);
  assert.equal(seq.parameters().length, 2);
  assert.deepEqual(seq.namedParameters().map(([k]) => k), ["0.weight", "0.bias"]);
  assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias"]);
  assert.equal(seq.modules().length, 3);
  assert.deepEqual(seq.forward(randn([2, 3])).shape, [2, 3]); // applied twice
  const tied = new nn.Module();
  const p = new nn.Parameter(randn([2]));
  tied.registerParameter("a", p);
  tied.registerParameter("b", p);
  assert.deepEqual(tied.namedParameters().map(([k]) => k), ["a"]);
});

test("train()/eval() propagate to every submodule; requiresGrad_ freezes", () => {
  const net = new nn.Sequential(new nn.Sequential(new nn.Dropout(), new nn.BatchNorm1d(2)), new nn.Linear(2, 2));
  assert.ok(net.modules().every((m) => m.training));
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  net.train(false);
  assert.ok(net.modules().every((m) => !m.training));
  assert.throws(() => net.train("yes" as unknown as boolean), /mode must be a boolean/);
  net.requiresGrad_(false);
  assert.ok(net.parameters().every((p) => !p.requiresGrad));
  assert.equal(net.numParameters(true), 0);
});

test("zeroGrad clears gradients (to null by default, or to zeros)", () => {
  const fc = new nn.Linear(3, 2);
  fc.forward(randn([4, 3])).sum().backward();
  assert.ok(fc.weight.grad && fc.bias!.grad);
  fc.zeroGrad(false);
  assert.deepEqual([...fc.weight.grad!.toArray()], [0, 0, 0, 0, 0, 0]);
  fc.zeroGrad();
  assert.equal(fc.weight.grad, null);
  assert.equal(fc.bias!.grad, null);
});

test("loadStateDict: round trip, strict errors list missing/unexpected keys, shape mismatch names both shapes", () => {
  manualSeed(3);
  const a = new Net();
  const b = new Net();
  const res = b.loadStateDict(a.stateDict());
  assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual([...b.fc.weight.toArray()], [...a.fc.weight.toArray()]);
  assert.notEqual(b.fc.weight.storage, a.fc.weight.storage, "values are copied, not shared");
  assert.equal(b.fc.weight.requiresGrad, true);
  assert.equal(b.fc.weight.gradFn, null);

  const sd = a.stateDict();
  delete sd["fc.bias"];
  sd["fc.extra"] = zeros([1]);
  assert.throws(() => b.loadStateDict(sd), (e: Error) => {
    assert.match(e.message, /Missing key\(s\) in state_dict: "fc\.bias"/);
    assert.match(e.message, /Unexpected key\(s\) in state_dict: "fc\.extra"/);
    assert.match(e.message, /for Net/);
    return true;
  });
  const r = b.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missingKeys: ["fc.bias"], unexpectedKeys: ["fc.extra"] });

  const bad = a.stateDict();
  bad["fc.weight"] = zeros([3, 8]);
  assert.throws(() => b.loadStateDict(bad, { strict: false }), /size mismatch for fc\.weight: copying a param with shape \[3, 8\] from checkpoint, the shape in current model is \[2, 8\]/);
  assert.throws(() => b.loadStateDict(null as never), /expected an object/);

  // dtype conversion on load, and Map input
  const f64 = new Map(Object.entries(a.stateDict()).map(([k, v]) => [k, v.double()]));
  b.loadStateDict(f64);
  assert.equal(b.fc.weight.dtype, "float32");
});

test("stateDict values are detached views of the module's tensors", () => {
  const fc = new nn.Linear(2, 2);
  const sd = fc.stateDict();
  assert.equal(sd.weight.requiresGrad, false);
  assert.equal(sd.weight.storage, fc.weight.storage);
  assert.ok(!(sd.weight instanceof nn.Parameter));
});

test("to(dtype) converts float parameters and buffers in place, keeping Parameter identity", () => {
  const net = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
  const w = (net.at(0) as nn.Linear).weight;
  const before = [...w.toArray()];
  net.forward(randn([4, 2])).sum().backward();
  net.double();
  assert.equal((net.at(0) as nn.Linear).weight, w, "same Parameter object");
  assert.equal(w.dtype, "float64");
  assert.equal(w.grad!.dtype, "float64");
  assert.deepEqual([...w.toArray()], before);
  const bn = net.at(1) as nn.BatchNorm1d;
  assert.equal(bn.running_mean!.dtype, "float64");
  assert.equal(bn.num_batches_tracked!.dtype, "int32");
  assert.deepEqual(net.forward(randn([4, 2], { dtype: "float64" })).shape, [4, 3]);
  net.float();
  assert.equal(w.dtype, "float32");
  assert.throws(() => net.to("int32"), /only be converted to a floating dtype/);
});

test("apply visits children first, then the module", () => {
  const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.ReLU()));
  const seen: string[] = [];
  net.apply((m) => seen.push(m.getName()));
  assert.deepEqual(seen, ["Linear", "ReLU", "Sequential", "Sequential"]);
  net.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.weight); });
  assert.deepEqual([...(net.at(0) as nn.Linear).weight.toArray()], [0, 0, 0, 0]);
});

test("forward hooks and pre-hooks run through forward (also inside containers) and can be removed", () => {
  const relu = new nn.ReLU();
  const net = new nn.Sequential(new nn.Linear(2, 2), relu);
  const calls: string[] = [];
  const h1 = relu.registerForwardPreHook((m, inputs) => { calls.push(`pre ${m.getName()} ${(inputs[0] as Tensor).shape}`); });
  const h2 = relu.registerForwardHook((_m, _in, out) => (out as Tensor).mul(0));
  const y = net.forward(randn([3, 2])) as Tensor;
  assert.deepEqual(calls, ["pre ReLU 3,2"]);
  assert.deepEqual([...y.toArray()], [0, 0, 0, 0, 0, 0]);
  const h3 = relu.registerForwardPreHook(() => [tensor([-1, 2])]);
  assert.deepEqual([...(relu.forward(tensor([5, 5])) as Tensor).toArray()], [0, 0]);
  h2.remove();
  assert.deepEqual([...(relu.forward(tensor([5, 5])) as Tensor).toArray()], [0, 2]);
  h1.remove();
  h3.remove();
  assert.deepEqual([...(relu.forward(tensor([-1, 5])) as Tensor).toArray()], [0, 5]);
  assert.deepEqual(Object.keys(net.stateDict()), ["0.weight", "0.bias"], "the wrapper is not a member");
});

test("Sequential: positional or named, indexing, iteration, append/insert/pop/slice, repr", () => {
  const seq = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
  assert.equal(String(seq), "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)");
  assert.equal(seq.length, 2);
  assert.ok(seq.at(-1) instanceof nn.ReLU);
  assert.deepEqual([...seq].map((m) => m.getName()), ["Linear", "ReLU"]);
  seq.append(new nn.Linear(3, 1));
  seq.insert(1, new nn.Dropout());
  assert.deepEqual([...seq].map((m) => m.getName()), ["Linear", "Dropout", "ReLU", "Linear"]);
  assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias", "3.weight", "3.bias"]);
  assert.ok(seq.pop(1) instanceof nn.Dropout);
  assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  assert.deepEqual(seq.forward(randn([5, 4])).shape, [5, 1]);
  const head = seq.slice(0, 2);
  assert.equal(head.length, 2);
  assert.deepEqual(head.forward(randn([5, 4])).shape, [5, 3]);
  assert.throws(() => seq.at(7), /index 7 is out of range for length 3/);
  assert.throws(() => new nn.Sequential(new nn.ReLU(), 3 as never), /expected a Module \(argument 1\), got number/);

  const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
  assert.deepEqual(Object.keys(named.stateDict()), ["fc.weight", "fc.bias"]);
  assert.equal(String(named), "Sequential(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n  (act): Tanh()\n)");
});

test("ModuleList and ModuleDict register their modules", () => {
  const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
  list.append(new nn.ReLU());
  assert.equal(list.length, 3);
  assert.deepEqual(Object.keys(list.stateDict()), ["0.weight", "0.bias", "1.weight", "1.bias"]);
  list.set(1, new nn.Tanh());
  assert.deepEqual(Object.keys(list.stateDict()), ["0.weight", "0.bias"]);
  assert.throws(() => list.forward(), /missing the forward\(\) method/);
  assert.equal(String(new nn.ModuleList([new nn.ReLU()])), "ModuleList(\n  (0): ReLU()\n)");

  // insertion order is kept even for keys that look like integers (pass pairs or a Map: a JS
  // object literal itself already lists integer-like keys first)
  const dict = new nn.ModuleDict([["b", new nn.Linear(1, 1)], ["1", new nn.Linear(1, 1)]]);
  dict.set("a", new nn.ReLU());
  assert.deepEqual(dict.keys(), ["b", "1", "a"]);
  assert.deepEqual([...dict], ["b", "1", "a"]);
  assert.deepEqual(Object.keys(dict.stateDict()), ["b.weight", "b.bias", "1.weight", "1.bias"]);
  assert.ok(dict.get("a") instanceof nn.ReLU);
  assert.ok(dict.pop("b") instanceof nn.Linear);
  assert.deepEqual(dict.keys(), ["1", "a"]);
  assert.throws(() => dict.get("zz"), /no module under key "zz"/);
  assert.throws(() => dict.set("train", new nn.ReLU()), /attribute "train" already exists/);
  assert.equal(dict.length, 2);
});

test("custom modules print their children and extraRepr like PyTorch", () => {
  class Block extends nn.Module {
    proj = new nn.Linear(2, 2, { bias: false });
    override extraRepr(): string { return "depth=2"; }
    override forward(x: Tensor): Tensor { return this.proj.forward(x); }
  }
  assert.equal(String(new Block()), "Block(\n  depth=2\n  (proj): Linear(in_features=2, out_features=2, bias=False)\n)");
  class Leaf extends nn.Module {
    override extraRepr(): string { return "k=1"; }
  }
  assert.equal(String(new Leaf()), "Leaf(k=1)");
});
