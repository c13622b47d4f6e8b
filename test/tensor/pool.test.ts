// The storage pool: recycled buffers handed out uninitialised must never leak stale values
// into results, and the idle budget follows what a training step's forward allocates. Each case runs in
// a child process, since the pool's options are read from the environment at load time (the
// child inherits KESTREL_BACKEND, so this runs on every backend of the conformance suite).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;

function child(script: string, env: Record<string, string>, flags: string[] = []): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root, encoding: "utf8", env: { ...process.env, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

// A small CNN (stride-1 and stride-2 convs, batch norm, ReLU, max pool, linear): three SGD
// steps, awaiting between them so finalizers run and buffers are recycled.
const TRAIN = `
import { nn, optim, F, randn, randint, manualSeed } from "./src/index.ts";
import { poolStats } from "./src/tensor/pool.ts";
manualSeed(3);
const net = new nn.Sequential(
  new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(),
  new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(),
  new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(16 * 4 * 4, 10));
const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
const losses = [];
for (let i = 0; i < 4; i++) {
  const x = randn([24, 3, 16, 16]), y = randint(0, 10, [24]);
  opt.zeroGrad();
  const loss = F.crossEntropy(net.forward(x), y);
  loss.backward();
  opt.step();
  losses.push(loss.item());
  for (let t = 0; t < 3; t++) await new Promise((r) => setImmediate(r));
  globalThis.gc?.();
  for (let t = 0; t < 3; t++) await new Promise((r) => setImmediate(r));
}
const w = Array.from(net.parameters()[0].toArray()).slice(0, 8);
console.log(JSON.stringify({ losses, w, hits: poolStats().hits, released: poolStats().released }));
`;

test("pool: recycled uninitialised buffers (poisoned with NaN) never change a training run", () => {
  const poisoned = child(TRAIN, { KESTREL_POOL_POISON: "1", KESTREL_POOL_MIN_BYTES: "0", KESTREL_POOL_MB: "64" }, ["--expose-gc"]);
  const unpooled = child(TRAIN, { KESTREL_POOL_MB: "0" });
  assert.ok((poisoned.hits as number) > 20, `the pool was hardly used (hits ${poisoned.hits}); the test would prove nothing`);
  assert.ok((poisoned.released as number) > 10, `backward recycled only ${poisoned.released} gradients`);
  assert.equal((unpooled.hits as number), 0);
  for (const v of poisoned.losses as number[]) assert.ok(Number.isFinite(v), `loss ${v}`);
  assert.deepEqual(poisoned.losses, unpooled.losses);
  assert.deepEqual(poisoned.w, unpooled.w);
});

// A "training step" whose forward allocates 100 MiB (a chain of 1 MiB products), then backward.
const GROW = `
import { ones } from "./src/index.ts";
import { poolStats } from "./src/tensor/pool.ts";
const limit0 = poolStats().limitBytes;
const x = ones([256, 1024], { requiresGrad: true });
const hits = [];
for (let step = 0; step < 3; step++) {
  const h0 = poolStats().hits;
  let y = x;
  for (let i = 0; i < 100; i++) y = y.mul(1.0001);
  hits.push(poolStats().hits - h0);
  y.sum().backward();
  y = null;
  x.grad = null;
  globalThis.gc();
  for (let t = 0; t < 5; t++) await new Promise((r) => setImmediate(r));
}
console.log(JSON.stringify({ limit0, limit: poolStats().limitBytes, hits }));
`;

test("pool: by default the idle budget becomes 1.25× what a training forward allocates (2.5× a noGrad scope), and the next forward reuses it; a number fixes it", () => {
  const MiB = 1024 * 1024;
  for (const env of ["", "auto"]) {
    const grown = child(GROW, { KESTREL_POOL_MB: env, KESTREL_POOL_MIN_BYTES: "" }, ["--expose-gc"]);
    assert.equal(grown.limit0, 64 * MiB);
    assert.ok((grown.limit as number) >= 125 * MiB && (grown.limit as number) <= 127 * MiB, `limit ${(grown.limit as number) / MiB} MiB`);
    const hits = grown.hits as number[];
    assert.ok(hits[2] >= 95, `the third forward took only ${hits[2]} of its 100 buffers from the pool`);
  }
  // Inference: one outermost noGrad scope allocating 60 MiB sizes the budget to 2.5× that.
  const infer = child(`
    import { ones, noGrad } from "./src/index.ts";
    import { poolStats } from "./src/tensor/pool.ts";
    const x = ones([256, 1024]);
    noGrad(() => { let y = x; for (let i = 0; i < 60; i++) y = y.mul(1.0001); });
    noGrad(() => noGrad(() => x.mul(2)));  // inner scopes are not iterations of their own
    console.log(JSON.stringify({ limit: poolStats().limitBytes }));`, { KESTREL_POOL_MB: "", KESTREL_POOL_MIN_BYTES: "" });
  assert.ok((infer.limit as number) >= 150 * MiB && (infer.limit as number) <= 152 * MiB, `inference limit ${(infer.limit as number) / MiB} MiB`);
  const fixed = child(GROW, { KESTREL_POOL_MB: "64", KESTREL_POOL_MIN_BYTES: "" }, ["--expose-gc"]);
  assert.equal(fixed.limit, 64 * MiB);
  assert.ok((fixed.hits as number[])[2] <= 64, `hits ${(fixed.hits as number[])[2]} beyond a 64 MiB budget`);
});
