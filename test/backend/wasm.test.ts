// The wasm backend's kernels against the reference kernels (THE oracle), called directly on
// typed arrays: gemm over odd shapes, every transpose, beta, offsets and sizes big enough to
// be split across threads; im2col/col2im over strides, padding and dilation; dtype forwarding;
// registration. (The whole suite also runs on wasm: KESTREL_BACKEND=wasm npm test.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { backendInfo, setBackend, backend } from "../../src/index.js";
import { kernels } from "../../src/backend/backend.js";
import { jsKernels } from "../../src/backend/js/index.js";
import type { ConvGeometry } from "../../src/backend/js/conv.js";

const info = backendInfo();
const available = info.available.includes("wasm");

/** Deterministic uniform(-1, 1) floats (tests must not depend on Math.random). */
function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

/** |a − e| ≤ atol + rtol·Σ|terms| style bound: float32 sums of K products in another order. */
function assertNear(actual: Float32Array, expected: Float32Array, K: number, what: string): void {
  assert.equal(actual.length, expected.length);
  const tol = 2e-6 * Math.sqrt(Math.max(K, 1)) + 1e-6;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === expected[i] || (actual[i] !== actual[i] && expected[i] !== expected[i])) continue; // equal, ±∞, NaN
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol * Math.max(1, Math.abs(expected[i])))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, reference ${expected[i]} (|diff| ${d} > ${tol})`);
    }
  }
}

function withWasm(fn: () => void): void {
  const prev = backend();
  setBackend("wasm");
  try { fn(); } finally { setBackend(prev); }
}

test("wasm backend registers with a description (or says why not)", () => {
  if (!available) {
    assert.match(info.unavailable.wasm ?? "", /./, "an unavailable wasm backend must give a reason");
    return;
  }
  withWasm(() => {
    assert.equal(backend(), "wasm");
    assert.match(backendInfo().description, /^WebAssembly SIMD \(relaxed FMA: (yes|no)\), \d+ threads?$/);
    assert.notEqual(kernels().gemm, jsKernels.gemm, "wasm supplies its own gemm");
    assert.notEqual(kernels().im2col, jsKernels.im2col);
    assert.equal(kernels().reduceLast, jsKernels.reduceLast, "kernels wasm lacks come from the reference");
  });
});

const shapes: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 8, 16], [5, 9, 300], [17, 33, 65], [64, 64, 64], [37, 130, 257],
  [129, 257, 31], [1, 300, 40], [300, 1, 40], [200, 300, 520],
];

test("wasm gemm matches the reference: odd shapes, all transposes, beta, offsets", { skip: !available }, () => {
  withWasm(() => {
    let seed = 1;
    for (const [M, N, K] of shapes) {
      for (const tA of [false, true]) for (const tB of [false, true]) for (const beta of [0, 1, -0.5]) {
        const aOff = seed % 5, bOff = (seed * 3) % 7, cOff = (seed * 7) % 3;
        const A = rand(aOff + M * K + 2, seed++), B = rand(bOff + K * N + 1, seed++), C0 = rand(cOff + M * N + 3, seed++);
        const got = C0.slice(), want = C0.slice();
        kernels().gemm(tA, tB, M, N, K, A, aOff, B, bOff, got, cOff, beta);
        jsKernels.gemm(tA, tB, M, N, K, A, aOff, B, bOff, want, cOff, beta);
        assertNear(got, want, K, `gemm ${M}x${N}x${K} transA=${tA} transB=${tB} beta=${beta}`);
        // Nothing outside C[cOff, cOff + M·N) may change.
        for (let i = 0; i < cOff; i++) assert.equal(got[i], C0[i]);
        for (let i = cOff + M * N; i < got.length; i++) assert.equal(got[i], C0[i]);
      }
    }
  });
});

test("wasm gemm: sizes that are split across threads, repeated (arena reuse)", { skip: !available }, () => {
  withWasm(() => {
    for (const [M, N, K, tA, tB] of [[256, 256, 256, false, false], [300, 170, 333, true, true], [64, 1024, 576, false, true], [513, 129, 200, true, false]] as const) {
      const A = rand(M * K, M), B = rand(K * N, N), want = new Float32Array(M * N);
      jsKernels.gemm(tA, tB, M, N, K, A, 0, B, 0, want, 0, 0);
      for (let rep = 0; rep < 3; rep++) {
        const got = new Float32Array(M * N).fill(NaN); // beta 0 must overwrite, never read, C
        kernels().gemm(tA, tB, M, N, K, A, 0, B, 0, got, 0, 0);
        assertNear(got, want, K, `threaded gemm ${M}x${N}x${K} rep ${rep}`);
      }
    }
  });
});

test("wasm gemm forwards float64 and int32 to the reference (exact)", { skip: !available }, () => {
  withWasm(() => {
    const M = 20, N = 30, K = 40;
    const A = Float64Array.from(rand(M * K, 9)), B = Float64Array.from(rand(K * N, 10));
    const got = new Float64Array(M * N), want = new Float64Array(M * N);
    kernels().gemm(false, true, M, N, K, A, 0, B, 0, got, 0);
    jsKernels.gemm(false, true, M, N, K, A, 0, B, 0, want, 0);
    assert.deepEqual(got, want);
    const Ai = Int32Array.from({ length: M * K }, (_, i) => (i % 7) - 3), Bi = Int32Array.from({ length: K * N }, (_, i) => (i % 5) - 2);
    const gi = new Int32Array(M * N), wi = new Int32Array(M * N);
    kernels().gemm(true, false, M, N, K, Ai, 0, Bi, 0, gi, 0);
    jsKernels.gemm(true, false, M, N, K, Ai, 0, Bi, 0, wi, 0);
    assert.deepEqual(gi, wi);
  });
});

function geom(C: number, H: number, W: number, k: number, s: number, p: number, d: number): ConvGeometry {
  const outH = Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1, outW = Math.floor((W + 2 * p - d * (k - 1) - 1) / s) + 1;
  return { C, H, W, kH: k, kW: k, strideH: s, strideW: s, padH: p, padW: p, dilH: d, dilW: d, outH, outW };
}

test("wasm im2col / col2im match the reference (stride, padding, dilation, offsets)", { skip: !available }, () => {
  withWasm(() => {
    const cases = [geom(3, 8, 8, 3, 1, 1, 1), geom(2, 7, 9, 3, 2, 1, 1), geom(4, 10, 6, 3, 1, 2, 2), geom(1, 5, 5, 5, 1, 0, 1),
      geom(2, 6, 6, 1, 1, 0, 1), geom(3, 9, 11, 2, 3, 3, 1), { ...geom(2, 7, 8, 3, 1, 1, 1), kW: 2, padW: 0, outW: 7 }];
    let seed = 100;
    for (const g of cases) {
      const xn = g.C * g.H * g.W, cn = g.C * g.kH * g.kW * g.outH * g.outW;
      const x = rand(xn + 4, seed++);
      const got = rand(cn + 3, seed), want = got.slice();
      kernels().im2col(g, x, 4, got, 3);
      jsKernels.im2col(g, x, 4, want, 3);
      assert.deepEqual(got, want, `im2col ${JSON.stringify(g)}`);
      const col = rand(cn + 2, seed++);
      const gx = rand(xn + 1, seed), wx = gx.slice();
      kernels().col2im(g, col, 2, gx, 1);
      jsKernels.col2im(g, col, 2, wx, 1);
      assertNear(gx, wx, g.kH * g.kW, `col2im ${JSON.stringify(g)}`);
    }
  });
});

test("wasm whole-convolution kernels match the reference (groups, stride, chunks of images)", { skip: !available }, () => {
  withWasm(() => {
    // [geometry, N, OC, groups]; the last case spans two chunks of the batched column matrix.
    const cases: [ConvGeometry, number, number, number][] = [
      [geom(3, 8, 8, 3, 1, 1, 1), 2, 5, 1], [geom(4, 9, 7, 3, 2, 1, 1), 3, 6, 2], [geom(6, 6, 6, 1, 1, 0, 1), 2, 9, 3],
      [geom(2, 10, 10, 3, 1, 2, 2), 1, 3, 1], [geom(8, 32, 32, 3, 1, 1, 1), 30, 4, 1],
    ];
    let seed = 500;
    for (const [g, N, OC, G] of cases) {
      const L = g.outH * g.outW, Kg = (g.C / G) * g.kH * g.kW, xn = N * g.C * g.H * g.W, yn = N * OC * L;
      const x = rand(xn, seed++), w = rand(OC * Kg, seed++), b = rand(OC, seed++), gy = rand(yn, seed++);
      const what = `N=${N} OC=${OC} groups=${G} ${JSON.stringify(g)}`;
      const y1 = new Float32Array(yn).fill(NaN), y2 = new Float32Array(yn);
      kernels().conv2dForward(g, N, OC, G, x, w, b, y1);
      jsKernels.conv2dForward(g, N, OC, G, x, w, b, y2);
      assertNear(y1, y2, Kg, `conv2dForward ${what}`);
      const dw1 = new Float32Array(OC * Kg).fill(NaN), dw2 = new Float32Array(OC * Kg);
      kernels().conv2dWeightGrad(g, N, OC, G, x, gy, dw1);
      jsKernels.conv2dWeightGrad(g, N, OC, G, x, gy, dw2);
      assertNear(dw1, dw2, N * L, `conv2dWeightGrad ${what}`);
      // The transposed conv of gy through the same weights (w is [Cin=OC, Cout/G = C/G, kH, kW] there).
      const bt = rand(g.C, seed++);
      const dx1 = new Float32Array(xn).fill(NaN), dx2 = new Float32Array(xn);
      kernels().convTranspose2dForward(g, N, OC, G, gy, w, bt, dx1);
      jsKernels.convTranspose2dForward(g, N, OC, G, gy, w, bt, dx2);
      assertNear(dx1, dx2, (OC / G) * g.kH * g.kW, `convTranspose2dForward ${what}`);
    }
  });
});

test("wasm gemm: worker threads take part in large products (KESTREL_NUM_THREADS > 1)", { skip: !available }, async () => {
  const { poolStats } = await import("../../src/backend/wasm/pool.js");
  if (poolStats().threads < 2) return; // one thread configured: nothing to split
  const M = 256, N = 256, K = 256;
  const A = rand(M * K, 77), B = rand(K * N, 78), want = new Float32Array(M * N);
  jsKernels.gemm(false, false, M, N, K, A, 0, B, 0, want, 0, 0);
  const before = poolStats().workerTiles;
  const deadline = Date.now() + 10000;
  while (poolStats().workerTiles === before && Date.now() < deadline) {
    // Workers start on the first large product and join once running; the caller never waits for them.
    withWasm(() => {
      const got = new Float32Array(M * N);
      kernels().gemm(false, false, M, N, K, A, 0, B, 0, got, 0, 0);
      assertNear(got, want, K, "threaded gemm");
    });
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(poolStats().workerTiles > before, "no GEMM tile ran on a worker thread within 10 s");
});

test("wasm unary / binary match the reference (broadcasting, NaN, ±0, comparisons, fallbacks)", { skip: !available }, () => {
  withWasm(() => {
    const n = 3 * 40 * 70;
    const x = rand(n + 5, 900);
    x[7] = NaN; x[8] = -0; x[9] = 0; x[10] = 2.5; x[11] = -2.5; x[12] = 0.5; x[13] = Infinity; x[14] = -Infinity; x[15] = 1.5;
    const dense = (off: number, shape: number[]) => ({ storage: x, offset: off, shape, strides: [shape[1] * shape[2], shape[2], 1] });
    const same = (p: Float32Array, q: Float32Array, what: string) => {
      for (let i = 0; i < p.length; i++) {
        if (!(Object.is(p[i], q[i]) || (p[i] === q[i]) || (p[i] !== p[i] && q[i] !== q[i]))) assert.fail(`${what}: element ${i} is ${p[i]}, reference ${q[i]}`);
      }
    };
    for (const name of ["neg", "abs", "sqrt", "square", "reciprocal", "relu", "floor", "ceil", "round", "exp", "copy", "sigmoid"] as const) {
      const got = new Float32Array(n), want = new Float32Array(n);
      kernels().unary(name, dense(5, [3, 40, 70]), got);
      jsKernels.unary(name, dense(5, [3, 40, 70]), want);
      if (name === "exp" || name === "sigmoid") assertNear(got, want, 1, name); else same(got, want, `unary ${name}`);
    }
    // A transposed (non-dense) view falls back to the reference.
    const t = { storage: x, offset: 0, shape: [70, 40, 3], strides: [1, 70, 2800] };
    const g1 = new Float32Array(n), w1 = new Float32Array(n);
    kernels().unary("relu", t, g1); jsKernels.unary("relu", t, w1); same(g1, w1, "unary relu transposed");
    const y = rand(n, 901);
    y[7] = 1; y[8] = 0; y[9] = -0; y[10] = 2.5; y[11] = NaN;
    const S = [3, 40, 70], dS = [2800, 70, 1];
    const layouts: [string, number, number[], number, number[]][] = [
      ["dense", 5, dS, 0, dS], ["b scalar", 5, dS, 10, [0, 0, 0]], ["a scalar", 10, [0, 0, 0], 0, dS],
      ["b per channel", 5, dS, 3, [1, 0, 0]], ["b per row", 5, dS, 0, [0, 0, 1]], ["a per column", 0, [0, 1, 0], 0, dS],
      ["a transposed", 0, [1, 210, 3], 0, dS],
    ];
    for (const name of ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "reluBackward", "pow"] as const) {
      for (const [what, ao, as, bo, bs] of layouts) {
        const got = new Float32Array(n), want = new Float32Array(n);
        kernels().binary(name, S, x, ao, as, y, bo, bs, got);
        jsKernels.binary(name, S, x, ao, as, y, bo, bs, want);
        if (name === "pow") assertNear(got, want, 1, `binary pow ${what}`);
        else for (let i = 0; i < n; i++) {
          // ±0 may differ in sign for maximum/minimum; values must be identical.
          if (!(got[i] === want[i] || (got[i] !== got[i] && want[i] !== want[i]))) assert.fail(`binary ${name} ${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
        }
      }
    }
  });
});

test("wasm maxPool2d matches the reference (values and indices; padding, dilation, NaN)", { skip: !available }, () => {
  withWasm(() => {
    const pg = (planes: number, H: number, W: number, k: number, s: number, p: number, d: number) => {
      const o = (n: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
      return { planes, H, W, outH: o(H), outW: o(W), kH: k, kW: k, strideH: s, strideW: s, padH: p, padW: p, dilH: d, dilW: d };
    };
    let seed = 1234;
    for (const g of [pg(64, 16, 16, 2, 2, 0, 1), pg(20, 15, 13, 3, 2, 1, 1), pg(12, 20, 20, 3, 1, 1, 2), pg(30, 9, 9, 2, 1, 0, 1), pg(7, 11, 23, 2, 2, 0, 1), pg(64, 32, 32, 2, 2, 0, 1)]) {
      const x = rand(g.planes * g.H * g.W, seed++);
      x[3] = NaN; x[40] = NaN; x[41] = NaN; x[100] = -Infinity;
      const on = g.planes * g.outH * g.outW;
      const o1 = new Float32Array(on), o2 = new Float32Array(on), i1 = new Int32Array(on), i2 = new Int32Array(on);
      kernels().maxPool2d(g, x, o1, i1);
      jsKernels.maxPool2d(g, x, o2, i2);
      assert.deepEqual(i1, i2, `maxPool2d indices ${JSON.stringify(g)}`);
      assert.deepEqual(o1, o2, `maxPool2d values ${JSON.stringify(g)}`);
    }
  });
});

test("wasm norm kernels match the reference (stats, apply, backward; odd spatial sizes)", { skip: !available }, () => {
  withWasm(() => {
    let seed = 4321;
    for (const [A, B, S, w, bs] of [[8, 6, 130, true, true], [3, 5, 2001, false, true], [16, 4, 67, true, false], [1, 40, 150, true, true]] as const) {
      const n = A * B * S;
      const x = rand(n, seed++).map((v, i) => v * 3 + (i % 7)), g = rand(n, seed++);
      const m1 = new Float64Array(B), v1 = new Float64Array(B), m2 = new Float64Array(B), v2 = new Float64Array(B);
      kernels().normStats(x, A, B, S, m1, v1);
      jsKernels.normStats(x, A, B, S, m2, v2);
      for (let b = 0; b < B; b++) {
        assert.ok(Math.abs(m1[b] - m2[b]) <= 1e-12 * Math.max(1, Math.abs(m2[b])), `normStats mean ${b}: ${m1[b]} vs ${m2[b]}`);
        assert.ok(Math.abs(v1[b] - v2[b]) <= 1e-12 * Math.max(1, v2[b]), `normStats variance ${b}: ${v1[b]} vs ${v2[b]}`);
      }
      const rstd = Float64Array.from(v2, (v) => 1 / Math.sqrt(v + 1e-5));
      const weight = w ? rand(B, seed++) : null, bias = w ? rand(B, seed++) : null;
      const o1 = new Float32Array(n), o2 = new Float32Array(n);
      kernels().normApply(x, A, B, S, m2, rstd, weight, bias, o1);
      jsKernels.normApply(x, A, B, S, m2, rstd, weight, bias, o2);
      assert.deepEqual(o1, o2, "normApply is bit-identical");
      for (const withGx of [true, false]) {
        const gx1 = withGx ? new Float32Array(n) : null, gx2 = withGx ? new Float32Array(n) : null;
        const s1 = new Float64Array(B), t1 = new Float64Array(B), s2 = new Float64Array(B), t2 = new Float64Array(B);
        kernels().normBackward(x, g, A, B, S, m2, rstd, weight, bs, gx1, s1, t1);
        jsKernels.normBackward(x, g, A, B, S, m2, rstd, weight, bs, gx2, s2, t2);
        for (let b = 0; b < B; b++) {
          assert.ok(Math.abs(s1[b] - s2[b]) <= 1e-9 * Math.max(1, Math.abs(s2[b])), `normBackward sumG ${b}`);
          assert.ok(Math.abs(t1[b] - t2[b]) <= 1e-9 * Math.max(1, Math.abs(t2[b])), `normBackward sumGXhat ${b}`);
        }
        if (gx1 && gx2) assertNear(gx1, gx2, 1, "normBackward gx");
      }
    }
  });
});
