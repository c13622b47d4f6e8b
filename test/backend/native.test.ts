// The native (C++ N-API addon) backend: it loads and wins the default choice when built, its
// kernels match the reference kernels on random shapes (odd sizes, every transpose, beta,
// offsets, conv geometries), each ISA path works, and its build script never fails an install.
// The whole op suite also runs on it (KESTREL_BACKEND=native npm test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendInfo, backend } from "../../src/index.js";
import { nativeKernels, nativeAddon } from "../../src/backend/native.js";
import { jsKernels } from "../../src/backend/js/index.js";
import type { ConvGeometry } from "../../src/backend/js/conv.js";

const built = existsSync(new URL("../../native/build/kestrel.node", import.meta.url));
const skip = built ? false : "native addon not built";
const nk = nativeKernels!;

// A deterministic generator so failures reproduce.
let seed = 12345;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
}
function randF32(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd();
  return a;
}
function randInt(lo: number, hi: number): number {
  return lo + Math.floor((rnd() + 0.5) * (hi - lo + 1));
}

/** |actual − expected| ≤ 1e-5·scale elementwise, where scale bounds the terms summed (Σ|a·b|). */
function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, scale: ArrayLike<number> | number, msg: string): void {
  assert.equal(actual.length, expected.length, `${msg}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(actual[i]) && Number.isNaN(expected[i])) continue;
    if (actual[i] === expected[i]) continue; // equal infinities
    const s = typeof scale === "number" ? scale : scale[i];
    const tol = 1e-5 * Math.max(Number.isFinite(s) ? s : 1, 1e-3);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      assert.fail(`${msg}: element ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

test("the native addon is registered and is the default backend when built", { skip }, () => {
  const info = backendInfo();
  assert.ok(info.available.includes("native"), `native not available: ${JSON.stringify(info.unavailable)}`);
  assert.ok(nativeAddon && nk.gemm && nk.conv2dForward);
  if (!process.env.KESTREL_BACKEND) assert.equal(backend(), "native");
  // Without KESTREL_BACKEND (the test runner always sets it) the addon wins the automatic choice.
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", 'import("./src/index.ts").then((k) => console.log(k.backendInfo().name))'],
    { encoding: "utf8", env: { ...process.env, KESTREL_BACKEND: "" } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n").pop(), "native");
  const ai = nativeAddon!.info();
  assert.match(ai.isa, /^(AVX-512|AVX2|scalar)$/);
  assert.ok(ai.threads >= 1);
});

function checkGemm(tA: boolean, tB: boolean, M: number, N: number, K: number, beta: number, label: string): void {
  const aOff = randInt(0, 5), bOff = randInt(0, 5), cOff = randInt(0, 5);
  const A = randF32(aOff + M * K + 3), B = randF32(bOff + K * N + 2), C0 = randF32(cOff + M * N + 4);
  if (beta === 0) C0.fill(NaN, cOff, cOff + M * N); // beta 0 must not read C
  const C = C0.slice();
  nk.gemm!(tA, tB, M, N, K, A, aOff, B, bOff, C, cOff, beta);
  const ref = Float64Array.from(C0);
  jsKernels.gemm(tA, tB, M, N, K, Float64Array.from(A), aOff, Float64Array.from(B), bOff, ref, cOff, beta);
  const scale = new Float64Array(C.length).fill(1);
  const absA = Float64Array.from(A, Math.abs), absB = Float64Array.from(B, Math.abs);
  jsKernels.gemm(tA, tB, M, N, K, absA, aOff, absB, bOff, scale, cOff, 0);
  for (let i = cOff; i < cOff + M * N; i++) scale[i] += Math.abs(beta * (C0[i] || 0));
  assertNear(C, ref, scale, `gemm ${label} tA=${tA} tB=${tB} ${M}x${N}x${K} beta=${beta}`);
  // Elements outside the output window are untouched.
  for (let i = 0; i < cOff; i++) assert.ok(Object.is(C[i], C0[i]), "gemm wrote before cOff");
  for (let i = cOff + M * N; i < C.length; i++) assert.ok(Object.is(C[i], C0[i]), "gemm wrote past the output");
}

test("native gemm matches the reference: odd sizes, every transpose, beta, offsets", { skip }, () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [13, 33, 7], [12, 32, 256], [25, 65, 257], [200, 300, 260], [1030, 40, 20], [64, 128, 600], [5, 1, 9], [0, 4, 3], [3, 4, 0]];
  for (let i = 0; i < 12; i++) shapes.push([randInt(1, 70), randInt(1, 70), randInt(1, 70)]);
  for (const [M, N, K] of shapes) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      checkGemm(tA, tB, M, N, K, [0, 1, 0.5][randInt(0, 2)], "random");
    }
  }
  // Large enough to take the threaded path.
  checkGemm(false, false, 300, 260, 280, 0, "threaded");
  checkGemm(true, true, 290, 310, 270, 1, "threaded");
});

test("native gemm forwards float64 and rejects out-of-bounds windows", { skip }, () => {
  const A = new Float64Array([1, 2, 3, 4]), B = new Float64Array([5, 6, 7, 8]), C = new Float64Array(4);
  nk.gemm!(false, false, 2, 2, 2, A, 0, B, 0, C, 0);
  assert.deepEqual([...C], [19, 22, 43, 50]);
  assert.throws(() => nativeAddon!.gemm(false, false, 2, 2, 2, new Float32Array(3), 0, new Float32Array(4), 0, new Float32Array(4), 0, 0), /out of bounds/);
});

test("each microkernel path (AVX2, scalar) gives the same gemm", { skip }, () => {
  const script = `import("./src/backend/native.ts").then(({ nativeAddon: a }) => {
    const M = 37, N = 45, K = 300; const A = new Float32Array(M * K).map((_, i) => Math.sin(i)), B = new Float32Array(K * N).map((_, i) => Math.cos(i));
    const C = new Float32Array(M * N); a.gemm(false, true, M, N, K, A, 0, B, 0, C, 0, 0);
    let worst = 0; for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { let s = 0; for (let k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k]; worst = Math.max(worst, Math.abs(s - C[i * N + j])); }
    console.log(JSON.stringify({ isa: a.info().isa, worst }));
  })`;
  for (const isa of ["avx2", "scalar"]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", env: { ...process.env, KESTREL_NATIVE_ISA: isa, KESTREL_BACKEND: "" } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    if (isa === "scalar") assert.equal(out.isa, "scalar");
    assert.ok(out.worst < 1e-3, `${isa}: worst error ${out.worst}`);
  }
});

function geom(C: number, H: number, W: number, k: number, s: number, p: number, d: number): ConvGeometry {
  const outH = Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1, outW = Math.floor((W + 2 * p - d * (k - 1) - 1) / s) + 1;
  return { C, H, W, kH: k, kW: k, strideH: s, strideW: s, padH: p, padW: p, dilH: d, dilW: d, outH, outW };
}

test("native conv forward, transposed forward and weight gradient match the reference", { skip }, () => {
  const cases: [number, number, number, number, number, number, number, number, number][] = [
    // N, C, OC, H, W, k, stride, pad, dilation (groups below)
    [5, 3, 8, 9, 11, 3, 1, 1, 1], [2, 4, 6, 10, 7, 3, 2, 1, 1], [3, 2, 4, 9, 9, 3, 1, 2, 2], [4, 6, 4, 5, 6, 1, 1, 0, 1],
    [1, 3, 5, 8, 8, 5, 2, 2, 1], [64, 3, 32, 12, 12, 3, 1, 1, 1], [8, 16, 16, 6, 6, 3, 1, 0, 1],
    // the AVX-512 direct (stride-1) paths: one image (channels split across threads), partial
    // 12-channel panels, 32+16-channel weight-gradient blocks, dilation, 1×1, wide rows
    [1, 32, 25, 7, 9, 3, 1, 1, 1], [3, 48, 14, 6, 5, 3, 1, 2, 2], [2, 5, 13, 20, 3, 1, 1, 0, 1], [4, 64, 12, 9, 37, 3, 1, 1, 1],
    // C = 16 row-of-taps weight gradient with 8-row panels and a 4-column transpose tail
    [2, 16, 21, 5, 20, 3, 1, 1, 1],
    // output-channel kernel (OC % 32 == 0, oW ≤ 16): a position tail (63 = 10·6 + 3), 64 + 32
    // channel blocks with stride 2, and OC 32 whose transposed conv (C 32) uses it too
    [3, 16, 64, 7, 9, 3, 1, 1, 1], [2, 8, 96, 5, 6, 3, 2, 1, 1], [2, 32, 32, 6, 5, 3, 1, 1, 1],
  ];
  for (const [N, C, OC, H, W, k, s, p, d] of cases) {
    for (const groups of C % 2 === 0 && OC % 2 === 0 ? [1, 2] : [1]) {
      const g = geom(C, H, W, k, s, p, d);
      const Cg = C / groups, L = g.outH * g.outW, label = `N${N} C${C} OC${OC} ${H}x${W} k${k} s${s} p${p} d${d} g${groups}`;
      const x = randF32(N * C * H * W), w = randF32(OC * Cg * k * k), bias = randF32(OC), gy = randF32(N * OC * L);
      const scaleFwd = Cg * k * k * 0.25 + 1, scaleBwd = (OC / groups) * k * k * 0.25 + 1, scaleW = N * L * 0.25 + 1;
      // forward (with and without bias)
      for (const b of [bias, null]) {
        const out = new Float32Array(N * OC * L).fill(NaN), ref = new Float64Array(N * OC * L);
        nk.conv2dForward!(g, N, OC, groups, x, w, b, out);
        jsKernels.conv2dForward(g, N, OC, groups, Float64Array.from(x), Float64Array.from(w), b && Float64Array.from(b), ref);
        assertNear(out, ref, scaleFwd, `conv2dForward ${label} bias=${!!b}`);
      }
      // transposed: gy [N, OC, outH, outW] with w as [OC(in), Cg(out/groups), k, k] → [N, C, H, W]
      const gt = geom(C, H, W, k, s, p, d);
      const dx = new Float32Array(N * C * H * W).fill(NaN), dxRef = new Float64Array(N * C * H * W);
      nk.convTranspose2dForward!(gt, N, OC, groups, gy, w, null, dx);
      jsKernels.convTranspose2dForward(gt, N, OC, groups, Float64Array.from(gy), Float64Array.from(w), null, dxRef);
      assertNear(dx, dxRef, scaleBwd, `convTranspose2dForward ${label}`);
      const cb = randF32(C), dxb = new Float32Array(N * C * H * W), dxbRef = new Float64Array(N * C * H * W);
      nk.convTranspose2dForward!(gt, N, OC, groups, gy, w, cb, dxb);
      jsKernels.convTranspose2dForward(gt, N, OC, groups, Float64Array.from(gy), Float64Array.from(w), Float64Array.from(cb), dxbRef);
      assertNear(dxb, dxbRef, scaleBwd, `convTranspose2dForward+bias ${label}`);
      // weight gradient
      const dw = new Float32Array(OC * Cg * k * k).fill(NaN), dwRef = new Float64Array(OC * Cg * k * k);
      nk.conv2dWeightGrad!(g, N, OC, groups, x, gy, dw);
      jsKernels.conv2dWeightGrad(g, N, OC, groups, Float64Array.from(x), Float64Array.from(gy), dwRef);
      assertNear(dw, dwRef, scaleW, `conv2dWeightGrad ${label}`);
    }
  }
});

test("native elementwise, pooling, norm and reduction kernels match the reference", { skip }, () => {
  // Broadcast binary ops over strided views: a [4, 5, 6] dense, b a [5, 1] column broadcast.
  const shape = [4, 5, 6];
  const a = randF32(4 * 5 * 6 + 2), b = randF32(7);
  b[3] = NaN;
  for (const name of ["add", "sub", "mul", "div", "maximum", "minimum", "gt", "le", "eq", "pow"] as const) {
    const out = new Float32Array(120), ref = new Float32Array(120);
    nk.binary!(name, shape, a, 2, [30, 6, 1], b, 1, [0, 1, 0], out);
    jsKernels.binary(name, shape, a, 2, [30, 6, 1], b, 1, [0, 1, 0], ref);
    assertNear(out, ref, Float32Array.from(ref, (v) => Math.abs(v) + 1), `binary ${name}`);
    for (let i = 0; i < 120; i++) assert.equal(Number.isNaN(out[i]), Number.isNaN(ref[i]), `binary ${name} NaN at ${i}`);
    // transposed a (non-unit inner stride), big enough for two threads
    const big = randF32(300 * 500), o2 = new Float32Array(150000), r2 = new Float32Array(150000);
    nk.binary!(name, [500, 300], big, 0, [1, 500], big, 0, [300, 1], o2);
    jsKernels.binary(name, [500, 300], big, 0, [1, 500], big, 0, [300, 1], r2);
    assertNear(o2, r2, Float32Array.from(r2, (v) => Math.abs(v) + 1), `binary ${name} strided`);
  }
  const xv = randF32(200001).map((v) => v * 8);
  xv[5] = NaN;
  for (const name of ["relu", "exp", "neg", "sigmoid", "tanh", "abs", "square", "sqrt"] as const) {
    const view = { storage: xv, offset: 1, shape: [200000], strides: [1] };
    const out = new Float32Array(200000), ref = new Float32Array(200000);
    nk.unary!(name, view, out);
    jsKernels.unary(name, view, ref);
    assertNear(out, ref, Float32Array.from(ref, (v) => Math.abs(v) + 1e-30), `unary ${name}`);
  }
  // max-pool 2×2 (and a padded 3×3 stride 2), then its scatter backward
  for (const [k, s, p] of [[2, 2, 0], [3, 2, 1]]) {
    const H = 13, W = 12, planes = 6, outH = Math.floor((H + 2 * p - k) / s) + 1, outW = Math.floor((W + 2 * p - k) / s) + 1;
    const g = { planes, H, W, outH, outW, kH: k, kW: k, strideH: s, strideW: s, padH: p, padW: p, dilH: 1, dilW: 1 };
    const x = randF32(planes * H * W);
    x[7] = NaN;
    const o = new Float32Array(planes * outH * outW), oi = new Int32Array(o.length), r = new Float32Array(o.length), ri = new Int32Array(o.length);
    nk.maxPool2d!(g, x, o, oi);
    jsKernels.maxPool2d(g, x, r, ri);
    assert.deepEqual([...oi], [...ri]);
    assert.deepEqual([...o].map(String), [...r].map(String));
    const src = randF32(o.length), dst = new Float32Array(planes * H * W), dstRef = new Float32Array(planes * H * W);
    assert.equal(nk.indexScatter!(planes, outH * outW, H * W, src, oi, dst, true), -1);
    jsKernels.indexScatter(planes, outH * outW, H * W, src, oi, dstRef, true);
    assert.deepEqual([...dst], [...dstRef]);
    oi[3] = H * W;
    assert.equal(nk.indexScatter!(planes, outH * outW, H * W, src, oi, dst, true), H * W);
  }
  // batch norm: stats, apply, backward on [A=7, B=5, S=33] with an offset mean
  const A = 7, B = 5, S = 33, x = randF32(A * B * S).map((v) => v + 3), gr = randF32(A * B * S);
  const m1 = new Float64Array(B), v1 = new Float64Array(B), m2 = new Float64Array(B), v2 = new Float64Array(B);
  nk.normStats!(x, A, B, S, m1, v1);
  jsKernels.normStats(x, A, B, S, m2, v2);
  assertNear(m1, m2, 1e-3, "normStats mean");
  assertNear(v1, v2, 1e-3, "normStats variance");
  const rstd = v2.map((v) => 1 / Math.sqrt(v + 1e-5)), w = randF32(B), bb = randF32(B);
  const o = new Float32Array(A * B * S), r = new Float32Array(A * B * S);
  nk.normApply!(x, A, B, S, m2, rstd, w, bb, o);
  jsKernels.normApply(x, A, B, S, m2, rstd, w, bb, r);
  assertNear(o, r, 1, "normApply");
  for (const batchStats of [true, false]) {
    const gx = new Float32Array(A * B * S), gxr = new Float32Array(A * B * S);
    const s1 = new Float64Array(B), s2 = new Float64Array(B), t1 = new Float64Array(B), t2 = new Float64Array(B);
    nk.normBackward!(x, gr, A, B, S, m2, rstd, w, batchStats, gx, s1, t1);
    jsKernels.normBackward(x, gr, A, B, S, m2, rstd, w, batchStats, gxr, s2, t2);
    assertNear(gx, gxr, 1, `normBackward gx batchStats=${batchStats}`);
    assertNear(s1, s2, 10, "normBackward sumG");
    assertNear(t1, t2, 10, "normBackward sumGXhat");
  }
  // reduceMiddle (sum over [0, 2] of [A, B, S]) for long rows, S = 1 and an offset
  for (const [ra, rb, rsz, off] of [[7, 5, 33, 0], [64, 128, 1, 3], [3, 4, 5, 1]]) {
    const src = randF32(off + ra * rb * rsz), o1 = new Float32Array(rb), o2 = new Float32Array(rb);
    nk.reduceMiddle!("sum", src, off, ra, rb, rsz, o1);
    jsKernels.reduceMiddle("sum", src, off, ra, rb, rsz, o2);
    assertNear(o1, o2, ra * rsz, `reduceMiddle ${ra}x${rb}x${rsz}`);
  }
  // reluBackward: g where y > 0 (NaN y gives 0, NaN g passes where y > 0)
  const gg = randF32(300), yy = randF32(300);
  gg[4] = NaN; yy[4] = 1; yy[9] = NaN; yy[10] = 0;
  const rb1 = new Float32Array(300), rb2 = new Float32Array(300);
  nk.binary!("reluBackward", [300], gg, 0, [1], yy, 0, [1], rb1);
  jsKernels.binary("reluBackward", [300], gg, 0, [1], yy, 0, [1], rb2);
  assert.deepEqual([...rb1].map(String), [...rb2].map(String));
  const rs = new Float32Array(B * A), rr = new Float32Array(B * A);
  nk.reduceLast!("sum", x, B * A, S, rs);
  jsKernels.reduceLast("sum", x, B * A, S, rr);
  assertNear(rs, rr, 10, "reduceLast sum");
});

test("the build script never fails an install: a broken compiler gives one warning and exit 0", () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-native-"));
  try {
    const out = join(dir, "kestrel.node");
    const r = spawnSync(process.execPath, ["native/build.mjs"], {
      encoding: "utf8",
      env: { ...process.env, CXX: "false", KESTREL_NATIVE_OUT: out, KESTREL_NATIVE_FORCE: "1" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^kestrel: native addon not built \(.*CXX=false.*\); Kestrel will use the wasm\/js backends\n$/);
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("native adamStep is bit-identical to the reference (Adam, L2, AdamW, maximize, AMSGrad)", { skip }, () => {
  const n = 70001; // over the two-thread threshold, and an odd tail
  const variants: [string, number, number, number][] = [["adam", 0, 0, 0], ["l2", 0.01, 0, 0], ["adamw", 0.01, 1, 0], ["maximize", 0, 0, 1]];
  for (const amsgrad of [false, true]) {
    for (const [label, wd, decoupled, maximize] of variants) {
      const p = randF32(n + 2), g = randF32(n + 1), m = randF32(n).map(Math.abs), v = randF32(n).map((a) => a * a);
      const vmax = amsgrad ? randF32(n).map((a) => a * a) : null;
      if (vmax) vmax[5] = NaN;
      const ref = [p, g, m, v, vmax].map((a) => (a ? Float32Array.from(a) : null));
      const lr = 1e-3, b1 = 0.9, b2 = 0.999, t = 3;
      const h = Float64Array.from([b1, b2, lr / (1 - b1 ** t), Math.sqrt(1 - b2 ** t), 1e-8, wd, 1 - lr * wd, decoupled, maximize]);
      nk.adamStep!(n, h, p, 2, g, 1, m, 0, v, 0, vmax, 0);
      jsKernels.adamStep(n, h, ref[0]!, 2, ref[1]!, 1, ref[2]!, 0, ref[3]!, 0, ref[4], 0);
      for (const [i, a] of [p, m, v, vmax].entries()) {
        if (!a) continue;
        const r = ref[[0, 2, 3, 4][i]]!;
        for (let j = 0; j < a.length; j++) {
          if (!Object.is(a[j], r[j])) assert.fail(`adamStep ${label} amsgrad=${amsgrad}: array ${i} element ${j}: ${a[j]} vs ${r[j]}`);
        }
      }
    }
  }
});
