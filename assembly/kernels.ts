// Kestrel's WebAssembly SIMD kernels (AssemblyScript). Built twice by scripts/build-wasm.mjs:
// plain SIMD, and relaxed SIMD (fused multiply-add where the engine has it); the loader picks
// one at run time. Every kernel works on raw addresses in ONE shared linear memory that the
// JS side manages (arena, per-thread scratch, job control block); nothing here allocates.
//
// SGEMM is the classic packed design (Goto/BLIS): C is cut into tiles (the unit of work a
// thread claims); per tile and per K block, op(A) is packed into 4-row panels and op(B) into
// 8-column panels, and a 4x8 register-blocked microkernel (8 f32x4 accumulators: more spill
// in V8) runs over them. Threads share a control block and claim tiles with compare-exchange.

const MR = 4;
const NR = 8;
/** K block: one packed B micro-panel (KC×8 floats = 8 KiB) stays in L1. */
export const KC: i32 = 256;
/** Largest tile (MC rows × NC columns of C): packed A block (128 KiB) and B block (256 KiB) stay in L2. */
export const MC: i32 = 128;
export const NC: i32 = 256;
/** Bytes of per-thread scratch the JS side must reserve: packed A, packed B, one edge tile. */
export const SCRATCH_BYTES: i32 = (MC * KC + KC * NC + MR * NR) * 4;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function upd(p: usize, acc: v128, mode: i32, vb: v128): void {
  if (mode == 0) v128.store(p, acc);
  else if (mode == 1) v128.store(p, madd(vb, v128.load(p), acc));
  else v128.store(p, f32x4.add(v128.load(p), acc));
}

/**
 * C[4×8] (row stride ldc bytes) ⟵ A panel (kc×4) · B panel (kc×8); mode 0 stores, 1 stores
 * beta·C + AB, 2 adds AB to C.
 */
function micro(kc: i32, a: usize, b: usize, c: usize, ldc: usize, mode: i32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // One 16-byte load of A then lane broadcasts (measured ~6% faster than four load32_splat).
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const a4 = v128.load(a);
    let av = i32x4.shuffle(a4, a4, 0, 0, 0, 0);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = i32x4.shuffle(a4, a4, 1, 1, 1, 1);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = i32x4.shuffle(a4, a4, 2, 2, 2, 2);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = i32x4.shuffle(a4, a4, 3, 3, 3, 3);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    a += 16; b += 32;
  }
  const vb = f32x4.splat(beta);
  upd(c, c00, mode, vb); upd(c + 16, c01, mode, vb); c += ldc;
  upd(c, c10, mode, vb); upd(c + 16, c11, mode, vb); c += ldc;
  upd(c, c20, mode, vb); upd(c + 16, c21, mode, vb); c += ldc;
  upd(c, c30, mode, vb); upd(c + 16, c31, mode, vb);
}

/** Pack op(A)[i0:i0+mh, p0:p0+kc] (element (i,k) at A + 4·(i·rs + k·cs)) into 4-row panels, zero-padded. */
function packA(dst: usize, A: usize, rs: i32, cs: i32, i0: i32, mh: i32, p0: i32, kc: i32): void {
  for (let ip = 0; ip < mh; ip += MR) {
    const rows = min(MR, mh - ip);
    const base = A + (<usize>((i0 + ip) * rs + p0 * cs) << 2);
    const step = <usize>cs << 2;
    if (rows == MR && rs == 1) {
      let p = base;
      for (let k = 0; k < kc; k++, p += step, dst += 16) v128.store(dst, v128.load(p));
    } else if (rows == MR) {
      const rb = <usize>rs << 2;
      let p = base;
      for (let k = 0; k < kc; k++, p += step, dst += 16) {
        store<f32>(dst, load<f32>(p));
        store<f32>(dst, load<f32>(p + rb), 4);
        store<f32>(dst, load<f32>(p + 2 * rb), 8);
        store<f32>(dst, load<f32>(p + 3 * rb), 12);
      }
    } else {
      for (let k = 0; k < kc; k++, dst += 16) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(base + (<usize>(r * rs + k * cs) << 2)) : 0);
        }
      }
    }
  }
}

/** Pack op(B)[p0:p0+kc, j0:j0+nw] (element (k,j) at B + 4·(k·rs + j·cs)) into 8-column panels, zero-padded. */
function packB(dst: usize, B: usize, rs: i32, cs: i32, p0: i32, kc: i32, j0: i32, nw: i32): void {
  for (let jp = 0; jp < nw; jp += NR) {
    const cols = min(NR, nw - jp);
    const base = B + (<usize>(p0 * rs + (j0 + jp) * cs) << 2);
    const step = <usize>rs << 2;
    if (cols == NR && cs == 1) {
      let p = base;
      for (let k = 0; k < kc; k++, p += step, dst += 32) {
        v128.store(dst, v128.load(p));
        v128.store(dst, v128.load(p, 16), 16);
      }
    } else if (cols == NR) {
      const cb = <usize>cs << 2;
      let p = base;
      for (let k = 0; k < kc; k++, p += step, dst += 32) {
        let q = p;
        for (let j = 0; j < NR; j++, q += cb) store<f32>(dst + (<usize>j << 2), load<f32>(q));
      }
    } else {
      for (let k = 0; k < kc; k++, dst += 32) {
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + (<usize>j << 2), j < cols ? load<f32>(base + (<usize>(k * rs + j * cs) << 2)) : 0);
        }
      }
    }
  }
}

/** One tile of C (rows i0..i0+mh ≤ MC, columns j0..j0+nw ≤ NC) over the whole K. */
export function gemmTile(
  A: usize, rsA: i32, csA: i32, B: usize, rsB: i32, csB: i32, C: usize, ldc: i32,
  K: i32, beta: f32, i0: i32, mh: i32, j0: i32, nw: i32, scratch: usize,
): void {
  const pa = scratch, pb = scratch + (<usize>(MC * KC) << 2), tmp = pb + (<usize>(KC * NC) << 2);
  const ldcb = <usize>ldc << 2;
  for (let p0 = 0; p0 < K; p0 += KC) {
    const kc = min(KC, K - p0);
    const mode = p0 > 0 ? 2 : beta == 0 ? 0 : 1;
    packA(pa, A, rsA, csA, i0, mh, p0, kc);
    packB(pb, B, rsB, csB, p0, kc, j0, nw);
    for (let jp = 0; jp < nw; jp += NR) {
      const bp = pb + <usize>(jp * kc) * 4;
      const nr = min(NR, nw - jp);
      for (let ip = 0; ip < mh; ip += MR) {
        const ap = pa + <usize>(ip * kc) * 4;
        const mr = min(MR, mh - ip);
        const cp = C + (<usize>((i0 + ip) * ldc + j0 + jp) << 2);
        if (mr == MR && nr == NR) {
          micro(kc, ap, bp, cp, ldcb, mode, beta);
        } else {
          micro(kc, ap, bp, tmp, 32, 0, 0);
          for (let r = 0; r < mr; r++) {
            for (let j = 0; j < nr; j++) {
              const q = cp + <usize>r * ldcb + (<usize>j << 2);
              const v = load<f32>(tmp + (<usize>(r * NR + j) << 2));
              if (mode == 0) store<f32>(q, v);
              else if (mode == 1) store<f32>(q, beta * load<f32>(q) + v);
              else store<f32>(q, load<f32>(q) + v);
            }
          }
        }
      }
    }
  }
}

// ---- the job control block shared by all threads (i32 slots at `ctl`) ----------------------
// NEXT packs (generation << 19 | next tile): a claim is a compare-exchange on it, so a thread
// that wakes late can never claim a tile of a newer job with an older job's parameters.
const SEQ = 0, NEXT = 1, DONE = 2, NTILES = 3, TILES_M = 4, MT = 5, NT = 6;
const PA = 7, RSA = 8, CSA = 9, PB = 10, RSB = 11, CSB = 12, PC = 13, LDC = 14, PM = 15, PN = 16, PK = 17, BETA = 18;
const SCRATCH = 19, SCRATCH_STRIDE = 20, WORKER_TILES = 21;
const TILE_MASK = (1 << 19) - 1;

@inline function slot(ctl: usize, i: i32): i32 { return load<i32>(ctl + (<usize>i << 2)); }

/** Claim and run tiles of the current GEMM job until none is left; 1 if this thread finished the last one. */
export function runJob(ctl: usize, tid: i32): i32 {
  let last = 0;
  while (true) {
    const v = atomic.load<i32>(ctl + (<usize>NEXT << 2));
    const t = v & TILE_MASK;
    if (t >= atomic.load<i32>(ctl + (<usize>NTILES << 2))) return last;
    if (atomic.cmpxchg<i32>(ctl + (<usize>NEXT << 2), v, v + 1) != v) continue;
    // The claim succeeded, so this job is live and its parameters are stable.
    const tilesM = slot(ctl, TILES_M), mt = slot(ctl, MT), nt = slot(ctl, NT);
    const M = slot(ctl, PM), N = slot(ctl, PN);
    const i0 = (t % tilesM) * mt, j0 = (t / tilesM) * nt;
    gemmTile(
      <usize>slot(ctl, PA), slot(ctl, RSA), slot(ctl, CSA), <usize>slot(ctl, PB), slot(ctl, RSB), slot(ctl, CSB),
      <usize>slot(ctl, PC), slot(ctl, LDC), slot(ctl, PK), load<f32>(ctl + (<usize>BETA << 2)),
      i0, min(mt, M - i0), j0, min(nt, N - j0),
      <usize>slot(ctl, SCRATCH) + <usize>tid * <usize>slot(ctl, SCRATCH_STRIDE),
    );
    if (tid > 0) atomic.add<i32>(ctl + (<usize>WORKER_TILES << 2), 1); // statistics for tests
    const done = atomic.add<i32>(ctl + (<usize>DONE << 2), 1) + 1;
    if (done == slot(ctl, NTILES)) last = 1;
  }
  return last;
}

// ---- convolution data movement (same geometry and results as src/backend/js/conv.ts) -------

/**
 * Unfold one C×H×W image at x into col ([C·kH·kW, outH·outW], rows `ld` floats apart so
 * several images can sit side by side in one wide column matrix); padding reads as 0.
 */
export function im2col(
  C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
  outH: i32, outW: i32, x: usize, col: usize, ld: i32,
): void {
  const skip = <usize>(ld - outH * outW) << 2;
  let p = col;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>(c * H * W) << 2);
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const iw0 = kj * dW - pW;
        // Output columns whose input column is inside the image: [owLo, owHi).
        let owLo = iw0 >= 0 ? 0 : (-iw0 + sW - 1) / sW;
        let owHi = W - iw0 > 0 ? (W - iw0 + sW - 1) / sW : 0;
        if (owHi > outW) owHi = outW;
        if (owLo > owHi) owLo = owHi;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= H) {
            memory.fill(p, 0, <usize>outW << 2);
            p += <usize>outW << 2;
            continue;
          }
          const row = plane + (<usize>(ih * W) << 2);
          let ow = 0;
          for (; ow < owLo; ow++, p += 4) store<f32>(p, 0);
          if (sW == 1) {
            const n = owHi - owLo;
            memory.copy(p, row + (<usize>(iw0 + owLo) << 2), <usize>n << 2);
            p += <usize>n << 2;
            ow = owHi;
          } else {
            for (; ow < owHi; ow++, p += 4) store<f32>(p, load<f32>(row + (<usize>(iw0 + ow * sW) << 2)));
          }
          for (; ow < outW; ow++, p += 4) store<f32>(p, 0);
        }
        p += skip;
      }
    }
  }
}

/** The adjoint of im2col: x += fold(col) (col rows `ld` floats apart). */
export function col2im(
  C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
  outH: i32, outW: i32, col: usize, x: usize, ld: i32,
): void {
  const skip = <usize>(ld - outH * outW) << 2;
  let p = col;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>(c * H * W) << 2);
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const iw0 = kj * dW - pW;
        let owLo = iw0 >= 0 ? 0 : (-iw0 + sW - 1) / sW;
        let owHi = W - iw0 > 0 ? (W - iw0 + sW - 1) / sW : 0;
        if (owHi > outW) owHi = outW;
        if (owLo > owHi) owLo = owHi;
        for (let oh = 0; oh < outH; oh++, p += <usize>outW << 2) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= H) continue;
          const row = plane + (<usize>(ih * W) << 2);
          let ow = owLo;
          if (sW == 1) {
            let q = row + (<usize>(iw0 + ow) << 2), s = p + (<usize>ow << 2);
            for (; ow + 4 <= owHi; ow += 4, q += 16, s += 16) v128.store(q, f32x4.add(v128.load(q), v128.load(s)));
            for (; ow < owHi; ow++, q += 4, s += 4) store<f32>(q, load<f32>(q) + load<f32>(s));
          } else {
            for (; ow < owHi; ow++) {
              const q = row + (<usize>(iw0 + ow * sW) << 2);
              store<f32>(q, load<f32>(q) + load<f32>(p + (<usize>ow << 2)));
            }
          }
        }
        p += skip;
      }
    }
  }
}

// ---- elementwise (float32) -----------------------------------------------------------------
// One loop per op: the op argument of the @inline helpers is a literal at every call site, so
// the optimiser folds their switch away. IEEE float32 +, −, ×, ÷ of float32 operands round the
// same as the reference's double arithmetic rounded to float32, so these are exact.

@inline function bop(op: i32, x: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case 0: return f32x4.add(x, y);
    case 1: return f32x4.sub(x, y);
    case 2: return f32x4.mul(x, y);
    case 3: return f32x4.div(x, y);
    case 4: return f32x4.max(x, y); // NaN-propagating, like torch.maximum
    case 5: return f32x4.min(x, y);
    case 6: return v128.and(f32x4.eq(x, y), one);
    case 7: return v128.and(f32x4.ne(x, y), one);
    case 8: return v128.and(f32x4.lt(x, y), one);
    case 9: return v128.and(f32x4.le(x, y), one);
    case 10: return v128.and(f32x4.gt(x, y), one);
    case 11: return v128.and(f32x4.ge(x, y), one);
    case 12: return v128.and(x, f32x4.gt(y, f32x4.splat(0))); // reluBackward(g, x): x > 0 ? g : 0
    default: return f32x4.max(f32x4.add(x, y), f32x4.splat(0)); // addRelu: relu(x + y); max keeps NaN
  }
}

/** mode 0: a and b rows; 1: a row, b one value; 2: a one value, b row. */
@inline function binLoop(op: i32, mode: i32, a: usize, b: usize, o: usize, n: i32): void {
  const end = o + (<usize>n << 2), end4 = o + (<usize>(n & ~3) << 2);
  const sa = v128.load32_splat(a), sb = v128.load32_splat(b);
  while (o < end4) {
    const x = mode == 2 ? sa : v128.load(a), y = mode == 1 ? sb : v128.load(b);
    v128.store(o, bop(op, x, y));
    o += 16;
    if (mode != 2) a += 16;
    if (mode != 1) b += 16;
  }
  while (o < end) {
    const x = mode == 2 ? sa : v128.load32_splat(a), y = mode == 1 ? sb : v128.load32_splat(b);
    store<f32>(o, f32x4.extract_lane(bop(op, x, y), 0));
    o += 4;
    if (mode != 2) a += 4;
    if (mode != 1) b += 4;
  }
}

@inline function binMode(op: i32, mode: i32, a: usize, b: usize, o: usize, n: i32): void {
  if (mode == 0) binLoop(op, 0, a, b, o, n);
  else if (mode == 1) binLoop(op, 1, a, b, o, n);
  else binLoop(op, 2, a, b, o, n);
}

/** o[0:n] = a ⊙ b for op codes add sub mul div maximum minimum eq ne lt le gt ge reluBackward addRelu (0–13). */
export function binaryRow(op: i32, mode: i32, a: usize, b: usize, o: usize, n: i32): void {
  switch (op) {
    case 0: binMode(0, mode, a, b, o, n); break;
    case 1: binMode(1, mode, a, b, o, n); break;
    case 2: binMode(2, mode, a, b, o, n); break;
    case 3: binMode(3, mode, a, b, o, n); break;
    case 4: binMode(4, mode, a, b, o, n); break;
    case 5: binMode(5, mode, a, b, o, n); break;
    case 6: binMode(6, mode, a, b, o, n); break;
    case 7: binMode(7, mode, a, b, o, n); break;
    case 8: binMode(8, mode, a, b, o, n); break;
    case 9: binMode(9, mode, a, b, o, n); break;
    case 10: binMode(10, mode, a, b, o, n); break;
    case 11: binMode(11, mode, a, b, o, n); break;
    case 12: binMode(12, mode, a, b, o, n); break;
    default: binMode(13, mode, a, b, o, n);
  }
}

@inline function uop(op: i32, x: v128): v128 {
  switch (op) {
    case 0: return f32x4.neg(x);
    case 1: return f32x4.abs(x);
    case 2: return f32x4.sqrt(x);
    case 3: return f32x4.mul(x, x);
    case 4: return f32x4.div(f32x4.splat(1), x);
    // relu: x where x > 0 or x is NaN, else +0 (so relu(−0) = 0 and NaN propagates).
    case 5: return v128.and(x, v128.or(f32x4.gt(x, f32x4.splat(0)), f32x4.ne(x, x)));
    case 6: return f32x4.floor(x);
    case 7: return f32x4.ceil(x);
    default: return f32x4.nearest(x); // round half to even
  }
}

@inline function unLoop(op: i32, x: usize, o: usize, n: i32): void {
  const end = o + (<usize>n << 2), end4 = o + (<usize>(n & ~3) << 2);
  for (; o < end4; o += 16, x += 16) v128.store(o, uop(op, v128.load(x)));
  for (; o < end; o += 4, x += 4) store<f32>(o, f32x4.extract_lane(uop(op, v128.load32_splat(x)), 0));
}

/** o[0:n] = f(x) for op codes neg abs sqrt square reciprocal relu floor ceil round (0–8). */
export function unaryRow(op: i32, x: usize, o: usize, n: i32): void {
  switch (op) {
    case 0: unLoop(0, x, o, n); break;
    case 1: unLoop(1, x, o, n); break;
    case 2: unLoop(2, x, o, n); break;
    case 3: unLoop(3, x, o, n); break;
    case 4: unLoop(4, x, o, n); break;
    case 5: unLoop(5, x, o, n); break;
    case 6: unLoop(6, x, o, n); break;
    case 7: unLoop(7, x, o, n); break;
    default: unLoop(8, x, o, n);
  }
}

// ---- pooling -------------------------------------------------------------------------------

/**
 * Max pooling over `planes` H×W planes (same results and indices as src/backend/js/pool.ts:
 * the first maximum wins, a NaN wins and the last NaN's index is kept).
 */
export function maxPool2d(
  planes: i32, H: i32, W: i32, outH: i32, outW: i32, kH: i32, kW: i32, sH: i32, sW: i32,
  pH: i32, pW: i32, dH: i32, dW: i32, x: usize, out: usize, idx: usize,
): void {
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1) {
    maxPool2x2(planes, H, W, outH, outW, x, out, idx);
    return;
  }
  let o = out, q = idx;
  for (let pl = 0; pl < planes; pl++) {
    const base = x + (<usize>(pl * H * W) << 2);
    for (let oh = 0; oh < outH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (kH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < outW; ow++, o += 4, q += 4) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (kW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        let best = -Infinity as f32;
        let bi = h0 * W + w0;
        for (let ih = h0; ih < h1; ih += dH) {
          const row = base + (<usize>(ih * W) << 2);
          for (let iw = w0; iw < w1; iw += dW) {
            const v = load<f32>(row + (<usize>iw << 2));
            if (v > best || v != v) { best = v; bi = ih * W + iw; }
          }
        }
        store<f32>(o, best);
        store<i32>(q, bi);
      }
    }
  }
}

/** `m` where v beats best: v > best, or v is NaN (the reference's sequential rule). */
@inline function beats(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

/** The common 2×2, stride-2 window: four outputs per step with SIMD, window order kept. */
function maxPool2x2(planes: i32, H: i32, W: i32, outH: i32, outW: i32, x: usize, out: usize, idx: usize): void {
  let o = out, q = idx;
  const ow4 = outW & ~3;
  const lane = i32x4(0, 2, 4, 6);
  for (let pl = 0; pl < planes; pl++) {
    const base = x + (<usize>(pl * H * W) << 2);
    for (let oh = 0; oh < outH; oh++) {
      const r0 = base + (<usize>(2 * oh * W) << 2), r1 = r0 + (<usize>W << 2);
      let ow = 0;
      for (; ow < ow4; ow += 4, o += 16, q += 16) {
        const p0 = r0 + (<usize>ow << 3), p1 = r1 + (<usize>ow << 3);
        const a0 = v128.load(p0), a1 = v128.load(p0, 16), b0 = v128.load(p1), b1 = v128.load(p1, 16);
        const v00 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v01 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const v10 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), v11 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const i00 = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), lane);
        let best = v00, bi = i00;
        let m = beats(v01, best);
        best = v128.bitselect(v01, best, m); bi = v128.bitselect(i32x4.add(i00, i32x4.splat(1)), bi, m);
        m = beats(v10, best);
        best = v128.bitselect(v10, best, m); bi = v128.bitselect(i32x4.add(i00, i32x4.splat(W)), bi, m);
        m = beats(v11, best);
        best = v128.bitselect(v11, best, m); bi = v128.bitselect(i32x4.add(i00, i32x4.splat(W + 1)), bi, m);
        v128.store(o, best);
        v128.store(q, bi);
      }
      for (; ow < outW; ow++, o += 4, q += 4) {
        let best = -Infinity as f32, bi = 2 * oh * W + 2 * ow;
        for (let r = 0; r < 2; r++) {
          for (let c = 0; c < 2; c++) {
            const i = (2 * oh + r) * W + 2 * ow + c;
            const v = load<f32>(base + (<usize>i << 2));
            if (v > best || v != v) { best = v; bi = i; }
          }
        }
        store<f32>(o, best);
        store<i32>(q, bi);
      }
    }
  }
}

// ---- normalisation (float32 data, float64 arithmetic like the reference) --------------------
// One channel b of a dense [A, B, S] block per call: A runs of S floats, `stride` bytes apart.

@inline function lo2(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
@inline function hi2(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
@inline function join2(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/** res[0] = mean, res[1] = biased variance (two passes) of one channel. */
export function normStatsCh(x: usize, A: i32, S: i32, stride: i32, res: usize): void {
  const S4 = S & ~3, n = <f64>A * <f64>S;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s = 0.0;
  for (let a = 0; a < A; a++) {
    const p = x + <usize>a * <usize>stride;
    let i = 0;
    for (; i < S4; i += 4) { const v = v128.load(p + (<usize>i << 2)); s0 = f64x2.add(s0, lo2(v)); s1 = f64x2.add(s1, hi2(v)); }
    for (; i < S; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  }
  const m = (hsum(s0) + hsum(s1) + s) / n;
  const vm = f64x2.splat(m);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0), q = 0.0;
  for (let a = 0; a < A; a++) {
    const p = x + <usize>a * <usize>stride;
    let i = 0;
    for (; i < S4; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      const d0 = f64x2.sub(lo2(v), vm), d1 = f64x2.sub(hi2(v), vm);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0)); q1 = f64x2.add(q1, f64x2.mul(d1, d1));
    }
    for (; i < S; i++) { const d = <f64>load<f32>(p + (<usize>i << 2)) - m; q += d * d; }
  }
  store<f64>(res, m);
  store<f64>(res, (hsum(q0) + hsum(q1) + q) / n, 8);
}

/** o = (x − m)·sc + sh for one channel (computed in float64, rounded once). */
export function normApplyCh(x: usize, o: usize, A: i32, S: i32, stride: i32, m: f64, sc: f64, sh: f64): void {
  const S4 = S & ~3;
  const vm = f64x2.splat(m), vs = f64x2.splat(sc), vh = f64x2.splat(sh);
  for (let a = 0; a < A; a++) {
    const off = <usize>a * <usize>stride, p = x + off, q = o + off;
    let i = 0;
    for (; i < S4; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      const r0 = f64x2.add(f64x2.mul(f64x2.sub(lo2(v), vm), vs), vh);
      const r1 = f64x2.add(f64x2.mul(f64x2.sub(hi2(v), vm), vs), vh);
      v128.store(q + (<usize>i << 2), join2(r0, r1));
    }
    for (; i < S; i++) store<f32>(q + (<usize>i << 2), <f32>((<f64>load<f32>(p + (<usize>i << 2)) - m) * sc + sh));
  }
}

/**
 * One channel of the norm backward: res[0] = Σ g, res[1] = Σ g·x̂; if gx ≠ 0 also
 * gx = sc·(g − mg − x̂·mgx) with mg = Σg/n, mgx = Σg·x̂/n when batchStats, else 0.
 */
export function normBackwardCh(x: usize, g: usize, gx: usize, A: i32, S: i32, stride: i32, m: f64, r: f64, sc: f64, batchStats: i32, res: usize): void {
  const S4 = S & ~3, n = <f64>A * <f64>S;
  const vm = f64x2.splat(m), vr = f64x2.splat(r);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0), sg = 0.0, sgx = 0.0;
  for (let a = 0; a < A; a++) {
    const off = <usize>a * <usize>stride, px = x + off, pg = g + off;
    let i = 0;
    for (; i < S4; i += 4) {
      const v = v128.load(px + (<usize>i << 2)), w = v128.load(pg + (<usize>i << 2));
      const g0 = lo2(w), g1 = hi2(w);
      a0 = f64x2.add(a0, g0); a1 = f64x2.add(a1, g1);
      b0 = f64x2.add(b0, f64x2.mul(f64x2.mul(g0, f64x2.sub(lo2(v), vm)), vr));
      b1 = f64x2.add(b1, f64x2.mul(f64x2.mul(g1, f64x2.sub(hi2(v), vm)), vr));
    }
    for (; i < S; i++) {
      const gv = <f64>load<f32>(pg + (<usize>i << 2));
      sg += gv;
      sgx += gv * (<f64>load<f32>(px + (<usize>i << 2)) - m) * r;
    }
  }
  sg += hsum(a0) + hsum(a1);
  sgx += hsum(b0) + hsum(b1);
  store<f64>(res, sg);
  store<f64>(res, sgx, 8);
  if (gx == 0) return;
  const mg = batchStats ? sg / n : 0.0, mgx = batchStats ? sgx / n : 0.0;
  const vmg = f64x2.splat(mg), vmgx = f64x2.splat(mgx), vsc = f64x2.splat(sc);
  for (let a = 0; a < A; a++) {
    const off = <usize>a * <usize>stride, px = x + off, pg = g + off, po = gx + off;
    let i = 0;
    for (; i < S4; i += 4) {
      const v = v128.load(px + (<usize>i << 2)), w = v128.load(pg + (<usize>i << 2));
      const xh0 = f64x2.mul(f64x2.sub(lo2(v), vm), vr), xh1 = f64x2.mul(f64x2.sub(hi2(v), vm), vr);
      const r0 = f64x2.mul(vsc, f64x2.sub(f64x2.sub(lo2(w), vmg), f64x2.mul(xh0, vmgx)));
      const r1 = f64x2.mul(vsc, f64x2.sub(f64x2.sub(hi2(w), vmg), f64x2.mul(xh1, vmgx)));
      v128.store(po + (<usize>i << 2), join2(r0, r1));
    }
    for (; i < S; i++) {
      const xh = (<f64>load<f32>(px + (<usize>i << 2)) - m) * r;
      store<f32>(po + (<usize>i << 2), <f32>(sc * (<f64>load<f32>(pg + (<usize>i << 2)) - mg - xh * mgx)));
    }
  }
}
