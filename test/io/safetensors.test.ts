import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { io, nn, tensor, randn, manualSeed, type Tensor } from "../../src/index.js";
import { loadFixture, T, assertClose } from "../helpers.js";
import { FIXTURES, assertSameTensor, pySkip, runCheck, tmp } from "./util.js";
import { COMMITTED_META, committedTensors } from "./committed.js";

const fx = loadFixture("io");
const file = (name: string) => join(FIXTURES, "io", name);
const bytesOf = (s: string) => new TextEncoder().encode(s);

/** Build safetensors bytes by hand: a header string and a data section. */
function raw(header: string, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const h = bytesOf(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthOverride ?? h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test("serialize matches the Rust reference writer's own test vectors byte for byte", () => {
  // safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement, test_empty.
  const f = tensor([0, 1, 2, 3, 4, 5], { dtype: "float32" });
  const hdr = (name: string, shape: string) => `{"${name}":{"dtype":"F32","shape":${shape},"data_offsets":[0,24]}}`;
  const a = io.serializeSafetensors({ "attn.0": f.reshape(1, 2, 3) });
  assert.deepEqual([...a.subarray(0, 8)], [64, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(a.subarray(8, 72)), hdr("attn.0", "[1,2,3]"));
  assert.deepEqual([...a.subarray(72)], [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]);
  const b = io.serializeSafetensors({ attn0: f.reshape(1, 1, 2, 3) });
  assert.deepEqual([...b.subarray(0, 8)], [72, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(b.subarray(8, 80)), hdr("attn0", "[1,1,2,3]") + "       ");
  assert.deepEqual([...io.serializeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual([...io.serializeSafetensors({}, { framework: "pt" })],
    [40, 0, 0, 0, 0, 0, 0, 0, ...bytesOf('{"__metadata__":{"framework":"pt"}}'), 32, 32, 32, 32, 32]);
});

test("serialize lays tensors out like the reference writer (dtype alignment, then name): equals a file written from PyTorch", () => {
  const expected = readFileSync(file("layout.safetensors"));
  const tensors = Object.fromEntries(Object.entries(fx.layout.values).map(([k, v]) => [k, T(v as never)]));
  assert.deepEqual(Buffer.from(io.serializeSafetensors(tensors, fx.layout.metadata)), expected);
});

test("a PyTorch model's state dict (float32 + int64) loads and gives PyTorch's output", () => {
  const sd = io.loadSafetensors(file("torch_model.safetensors"));
  for (const [k, v] of Object.entries(fx.model.state)) assertSameTensor(sd[k], v as never, k);
  assert.equal(sd["1.num_batches_tracked"].dtype, "int32"); // I64 in the file
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(64, 5));
  model.loadStateDict(sd);
  model.eval();
  assertClose(model.forward(T(fx.model.x, { dtype: "float32" })), fx.model.y);
});

test("every dtype converts as documented: F16/BF16 → float32, I64/U8/BOOL/I8/I16 → int32; metadata kept", () => {
  const { tensors, metadata, dtypes } = io.loadSafetensorsWithMetadata(file("dtypes.safetensors"));
  assert.deepEqual(metadata, fx.dtypes.metadata);
  assert.deepEqual(dtypes, fx.dtypes.file_dtypes);
  for (const [k, v] of Object.entries(fx.dtypes.values)) {
    const e = v as { dtype: string; shape: number[] };
    const want = e.dtype === "float64" ? "float64" : e.dtype === "int32" ? "int32" : "float32";
    assertSameTensor(tensors[k], T(v as never, { dtype: want as never }), k);
  }
  assert.ok(Object.is(tensors.f16.toArray()[5], -0));
  assert.equal(tensors.f16.toArray()[3], 2 ** -24 * 1); // 6e-8 rounds to the smallest half subnormal
});

test("an int64 value that int32 cannot hold is an error naming the tensor, the value and the file", () => {
  assert.throws(() => io.loadSafetensors(file("i64_overflow.safetensors")),
    /i64_overflow\.safetensors: tensor "big" \(I64\) holds 1099511627776 at flat index 1, which does not fit in int32/);
});

test("save/load round trip: float32, float64, int32, views, 0-d and empty tensors, metadata", () => {
  manualSeed(0);
  const dir = tmp();
  const x = randn([3, 4]);
  const tensors: Record<string, Tensor> = {
    x, xT: x.transpose(0, 1), f64: randn([2, 2], { dtype: "float64" }),
    i: tensor([[1, -2], [2147483647, -2147483648]], { dtype: "int32" }),
    s: tensor(7.5), e: tensor([], { dtype: "float32" }).reshape(0, 3), "ü/ñ name": tensor([1]),
  };
  const p = join(dir, "w.safetensors");
  io.saveSafetensors(p, tensors, { a: "1", "b c": "ünï\"code\n" });
  const back = io.loadSafetensorsWithMetadata(p);
  for (const [k, t] of Object.entries(tensors)) assertSameTensor(back.tensors[k], t.contiguous(), k);
  assert.deepEqual(back.metadata, { a: "1", "b c": "ünï\"code\n" });
  // Atomic save: overwriting leaves only the target, no temporary file.
  io.saveSafetensors(p, { y: tensor([1, 2]) });
  assert.deepEqual(readdirSync(dir), ["w.safetensors"]);
  assert.deepEqual(Object.keys(io.loadSafetensors(p)), ["y"]);
});

test("bad files are refused with an error naming the file and what is wrong", () => {
  const dir = tmp();
  const bad = (name: string, bytes: Uint8Array, re: RegExp) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    assert.throws(() => io.loadSafetensors(p), (e: Error) => e.message.includes(p) && re.test(e.message), `${name}: ${re}`);
    assert.throws(() => io.parseSafetensors(bytes), re);
  };
  const four = new Uint8Array(16);
  const good = io.serializeSafetensors({ a: tensor([1, 2, 3, 4]) });
  bad("short", new Uint8Array(5), /too short to hold the 8-byte header length/);
  bad("beyond", raw("{}", undefined, 1000), /header length field says 1000 bytes, which goes beyond the end of the file/);
  bad("huge", raw("{}", undefined, 2 ** 31), /over the format's 100 MB limit/);
  bad("json", raw('{"a": {"dtype": "F32",'), /header is not valid JSON/);
  bad("array", raw("[1,2]"), /header must be a JSON object/);
  bad("dtype", raw('{"a":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}}', four), /tensor "a" has unknown dtype "F33"; expected one of BOOL, U8/);
  bad("count", raw('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}', four), /tensor "a" \(F32, shape \[3\]\) needs 3 × 4 = 12 bytes but its data_offsets \[0, 16\] span 16/);
  bad("overlap", raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', four), /tensor "b" has data_offsets \[4, 12\] overlapping the previous tensor, which ends at 8/);
  bad("gap", raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', four), /tensor "b" starts at 8 but the previous data ends at 4/);
  bad("oob", raw('{"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}', four), /data_offsets \[0, 32\] beyond the data section \(16 bytes; truncated file\?\)/);
  bad("trailing", raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', four), /cover 8 bytes of data but the file holds 16/);
  bad("reversed", raw('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}', four), /end before begin/);
  bad("shape", raw('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', four), /has shape \[-1\]; expected an array of non-negative integers/);
  bad("meta", raw('{"__metadata__":{"n":1}}'), /"__metadata__" value "n" must be a string/);
  bad("truncated", good.subarray(0, good.length - 3), /beyond the data section|cover/);
  bad("fp8", raw('{"a":{"dtype":"F8_E4M3","shape":[16],"data_offsets":[0,16]}}', four), /dtype F8_E4M3, which Kestrel cannot load/);
  assert.throws(() => io.loadSafetensors(join(dir, "missing.safetensors")), /loadSafetensors: no such file .*missing\.safetensors/);
  assert.throws(() => io.serializeSafetensors({ a: [1, 2] as never }), /value for "a" is not a Tensor/);
  assert.throws(() => io.serializeSafetensors({ a: tensor([1]) }, { n: 1 as never }), /metadata values must be strings/);
  assert.throws(() => io.serializeSafetensors({ __metadata__: tensor([1]) }), /reserved/);
});

test("the committed Kestrel-written file is what serialize writes today", () => {
  const committed = readFileSync(file("kestrel_written.safetensors"));
  assert.deepEqual(Buffer.from(io.serializeSafetensors(committedTensors(), COMMITTED_META)), committed);
});

test("Kestrel-written safetensors parse in Python (independent reader) to the same values and reference layout", { skip: pySkip }, () => {
  manualSeed(3);
  const dir = tmp();
  const tensors: Record<string, Tensor> = {
    "layer.weight": randn([4, 3]), "layer.bias": randn([4]), d: randn([2, 3], { dtype: "float64" }),
    idx: tensor([3, -1, 2147483647], { dtype: "int32" }), zero: tensor(-0), nan: tensor([NaN, Infinity, -Infinity]),
  };
  const p = join(dir, "k.safetensors");
  io.saveSafetensors(p, tensors, { framework: "kestrel" });
  const expected = { metadata: { framework: "kestrel" }, values: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, enc(t)])) };
  writeFileSync(join(dir, "expected.json"), JSON.stringify(expected));
  assert.match(runCheck(["safetensors", p, join(dir, "expected.json")]), /OK .*6 tensors/);
  assert.match(runCheck(["committed"]), /OK committed/);
});

function enc(t: Tensor): { shape: number[]; dtype: string; data: (number | string)[] } {
  const data = [...t.toArray()].map((v) => (Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : Object.is(v, -0) ? "-0" : v));
  return { shape: [...t.shape], dtype: t.dtype, data };
}
