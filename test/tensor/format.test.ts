// Printing must match PyTorch 1.13's repr byte for byte (fixtures: test/fixtures/gen_format.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { tensor, zeros, arange, Tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { formatFixed, formatExp } from "../../src/tensor/format.js";
import { loadFixture } from "../helpers.js";

interface Recipe { kind: "arange" | "mod"; n: number; scale?: number; offset?: number; a?: number; m?: number; off?: number; d?: number }
interface Case { name: string; dtype: DType; shape: number[]; requires_grad: boolean; op: string | null; data?: (number | string)[]; recipe?: Recipe; repr: string }

const decode = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number));

// The same double arithmetic as gen_format.py's recipe_values.
function recipeValues(r: Recipe): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.n; i++) out.push(r.kind === "arange" ? i * r.scale! + r.offset! : (((i * r.a!) % r.m!) + r.off!) / r.d!);
  return out;
}

function build(c: Case): Tensor {
  const values = c.recipe ? recipeValues(c.recipe) : c.data!.map(decode);
  // -0 must survive: build from a Float64Array (tensor() copies values, keeping the sign of zero).
  let t = tensor(Float64Array.from(values), { dtype: c.dtype }).reshape(c.shape).detach();
  if (c.requires_grad) t.requiresGrad_(true);
  switch (c.op) {
    case null: break;
    case "add1": t = t.add(1); break;
    case "sub1": t = t.sub(1); break;
    case "mul2": t = t.mul(2); break;
    case "div2": t = t.div(2); break;
    case "neg": t = t.neg(); break;
    case "sum": t = t.sum(); break;
    case "mean": t = t.mean(); break;
    case "relu": t = t.relu(); break;
    default: throw new Error(`unknown op ${c.op}`);
  }
  return t;
}

const { cases } = loadFixture("format") as { cases: Case[] };

test(`format: ${cases.length} tensors print exactly as PyTorch's repr`, () => {
  assert.ok(cases.length > 100);
  const failures: string[] = [];
  for (const c of cases) {
    const got = build(c).toString();
    if (got !== c.repr) failures.push(`${c.name}:\n--- got\n${got}\n--- expected\n${c.repr}`);
  }
  assert.equal(failures.length, 0, failures.slice(0, 5).join("\n\n"));
});

test("format: the Node inspect hook and String() use the same repr", () => {
  const x = tensor([[1, 2], [3, 4.5]]);
  const expected = "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])";
  assert.equal(String(x), expected);
  assert.equal(inspect(x), expected);
  assert.equal(`${tensor([1, 2], { dtype: "int32" })}`, "tensor([1, 2], dtype=torch.int32)");
});

test("format: non-contiguous views print their logical order", () => {
  const x = arange(6, undefined, 1, { dtype: "float32" }).reshape(2, 3);
  assert.equal(x.t().toString(), "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])");
  assert.equal(x.narrow(1, 1, 2).toString(), "tensor([[1., 2.],\n        [4., 5.]])");
  assert.equal(tensor([7]).expand(3).toString(), "tensor([7., 7., 7.])");
  assert.equal(zeros([2, 0]).t().toString(), "tensor([], size=(0, 2))");
});

test("format: grad_fn names keep an existing overload number", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(3);
  (y.gradFn as { name: string }).name = "PowBackward1";
  assert.match(y.toString(), /grad_fn=<PowBackward1>\)$/);
});

test("format: number formatting is Python's (correct rounding, ties to even)", () => {
  // Python: '{:.4f}'.format(v) and '{:.4e}'.format(v)
  const fixed: [number, string][] = [
    [0.03125, "0.0312"], [0.09375, "0.0938"], [-0.00001, "-0.0000"], [-0, "-0.0000"], [0, "0.0000"],
    [99999999.99995, "100000000.0000"], [99999999.99994, "99999999.9999"], [1e-7, "0.0000"], [2.5, "2.5000"], [0.1 + 0.2, "0.3000"],
  ];
  for (const [v, s] of fixed) assert.equal(formatFixed(v, 4), s, `fixed ${v}`);
  assert.equal(formatFixed(2.5, 0), "2");
  assert.equal(formatFixed(3.5, 0), "4");
  assert.equal(formatFixed(-0.4, 0), "-0");
  const sci: [number, string][] = [
    [1.03125, "1.0312e+00"], [1e5, "1.0000e+05"], [9.99996, "1.0000e+01"], [1e-200, "1.0000e-200"],
    [5e-324, "4.9407e-324"], [1.7976931348623157e308, "1.7977e+308"], [-1.5e-10, "-1.5000e-10"], [0, "0.0000e+00"],
    [1000, "1.0000e+03"], [999.99999, "1.0000e+03"], [0.001, "1.0000e-03"],
  ];
  for (const [v, s] of sci) assert.equal(formatExp(v, 4), s, `exp ${v}`);
  assert.equal(formatExp(NaN, 4), "nan");
  assert.equal(formatFixed(-Infinity, 4), "-inf");
});
