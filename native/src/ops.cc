// Float32 fast paths for the kernels that dominate a CNN training step once conv and GEMM are
// native: broadcasting binary ops, dense unary ops, max-pool forward and its scatter backward,
// batch-norm statistics/apply/backward and last-axis sums. Same names, arguments and results
// as the reference kernels (src/backend/js); sums accumulate in double like the reference.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include "kestrel.h"
#include "napi_util.h"

namespace kestrel {
namespace {

constexpr long kParallelElems = 1 << 17;  // below this, one thread (memory-bound work)

void set_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

/** Split [0, n) into `parts` chunks on the pool (one thread for small n). */
template <typename F>
void chunks(long n, long work, F&& f) {
  const int nt = work < kParallelElems ? 1 : (int)std::min<long>(num_threads(), n);
  if (nt <= 1) { f(0L, n); return; }
  parallel_for(nt, [&](int t) { f(n * t / nt, n * (t + 1) / nt); });
}

// ---- binary ------------------------------------------------------------------------------------

enum BinOp { ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE, POW, RELU_BWD, ADD_RELU };

template <int OP>
inline float bop(float a, float b) {
  if constexpr (OP == ADD) return a + b;
  else if constexpr (OP == SUB) return a - b;
  else if constexpr (OP == MUL) return a * b;
  else if constexpr (OP == DIV) return a / b;
  else if constexpr (OP == MAXIMUM) return (a != a || b != b) ? NAN : (a > b ? a : b);
  else if constexpr (OP == MINIMUM) return (a != a || b != b) ? NAN : (a < b ? a : b);
  else if constexpr (OP == EQ) return a == b ? 1.0f : 0.0f;
  else if constexpr (OP == NE) return a != b ? 1.0f : 0.0f;
  else if constexpr (OP == LT) return a < b ? 1.0f : 0.0f;
  else if constexpr (OP == LE) return a <= b ? 1.0f : 0.0f;
  else if constexpr (OP == GT) return a > b ? 1.0f : 0.0f;
  else if constexpr (OP == GE) return a >= b ? 1.0f : 0.0f;
  else if constexpr (OP == RELU_BWD) return b > 0 ? a : 0.0f;  // a = upstream grad, b = relu output
  else if constexpr (OP == ADD_RELU) { const float v = a + b; return v < 0 ? 0.0f : v; }  // NaN stays
  else return (float)std::pow((double)a, (double)b);
}

template <int OP>
void binRow(const float* a, long sa, const float* b, long sb, float* o, long n) {
  if (sa == 1 && sb == 1) for (long j = 0; j < n; j++) o[j] = bop<OP>(a[j], b[j]);
  else if (sa == 1 && sb == 0) { const float bv = *b; for (long j = 0; j < n; j++) o[j] = bop<OP>(a[j], bv); }
  else if (sa == 0 && sb == 1) { const float av = *a; for (long j = 0; j < n; j++) o[j] = bop<OP>(av, b[j]); }
  else for (long j = 0; j < n; j++) o[j] = bop<OP>(a[j * sa], b[j * sb]);
}

struct Dims {
  int nd = 0;
  long shape[16], sa[16], sb[16];
};

/** Drop size-1 dims and merge neighbours that are contiguous in both operands (out is dense). */
void coalesce(Dims& d) {
  Dims r;
  for (int i = 0; i < d.nd; i++) {
    if (d.shape[i] == 1) continue;
    if (r.nd > 0) {
      const int l = r.nd - 1;
      if (r.sa[l] == d.sa[i] * d.shape[i] && r.sb[l] == d.sb[i] * d.shape[i]) {
        r.shape[l] *= d.shape[i];
        r.sa[l] = d.sa[i];
        r.sb[l] = d.sb[i];
        continue;
      }
    }
    r.shape[r.nd] = d.shape[i];
    r.sa[r.nd] = d.sa[i];
    r.sb[r.nd] = d.sb[i];
    r.nd++;
  }
  if (r.nd == 0) { r.nd = 1; r.shape[0] = 1; r.sa[0] = r.sb[0] = 0; }
  d = r;
}

template <int OP>
void binaryRun(const Dims& d, const float* a, const float* b, float* out) {
  const int last = d.nd - 1;
  const long rowLen = d.shape[last];
  long rows = 1;
  for (int i = 0; i < last; i++) rows *= d.shape[i];
  if (rows == 1) {  // dense operands coalesce into one row: split the row itself across threads
    const long sa = d.sa[last], sb = d.sb[last];
    chunks(rowLen, rowLen, [&](long j0, long j1) { binRow<OP>(a + j0 * sa, sa, b + j0 * sb, sb, out + j0, j1 - j0); });
    return;
  }
  chunks(rows, rows * rowLen, [&](long r0, long r1) {
    // Unravel r0 into an index over the outer dims.
    long idx[16] = {0};
    long pa = 0, pb = 0, rem = r0;
    for (int i = last - 1; i >= 0; i--) {
      idx[i] = rem % d.shape[i];
      rem /= d.shape[i];
      pa += idx[i] * d.sa[i];
      pb += idx[i] * d.sb[i];
    }
    for (long r = r0; r < r1; r++) {
      binRow<OP>(a + pa, d.sa[last], b + pb, d.sb[last], out + r * rowLen, rowLen);
      for (int i = last - 1; i >= 0; i--) {
        pa += d.sa[i];
        pb += d.sb[i];
        if (++idx[i] < d.shape[i]) break;
        pa -= d.sa[i] * d.shape[i];
        pb -= d.sb[i] * d.shape[i];
        idx[i] = 0;
      }
    }
  });
}

// binary(op, meta Int32Array [nd, shape…, aStrides…, bStrides…], a, aOff, b, bOff, out)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = (int)a.integer(0);
  size_t lm, la, lb, lo;
  const int32_t* m = a.array<int32_t>(1, lm, napi_int32_array);
  const float* A = a.f32(2, la);
  const long aOff = a.integer(3);
  const float* B = a.f32(4, lb);
  const long bOff = a.integer(5);
  float* out = a.f32(6, lo);
  if (!a.ok) return nullptr;
  Dims d;
  d.nd = m[0];
  if (d.nd > 16 || lm < (size_t)(1 + 3 * d.nd)) { a.fail("binary: bad meta"); return nullptr; }
  long n = 1, aMax = aOff, bMax = bOff, aMin = aOff, bMin = bOff;
  for (int i = 0; i < d.nd; i++) {
    d.shape[i] = m[1 + i];
    d.sa[i] = m[1 + d.nd + i];
    d.sb[i] = m[1 + 2 * d.nd + i];
    n *= d.shape[i];
    if (d.shape[i] == 0) continue;
    (d.sa[i] >= 0 ? aMax : aMin) += d.sa[i] * (d.shape[i] - 1);
    (d.sb[i] >= 0 ? bMax : bMin) += d.sb[i] * (d.shape[i] - 1);
  }
  if (n == 0) return nullptr;
  if ((size_t)n > lo || aMin < 0 || bMin < 0 || (size_t)aMax >= la || (size_t)bMax >= lb) { a.fail("binary: out of bounds"); return nullptr; }
  coalesce(d);
  const float *pa = A + aOff, *pb = B + bOff;
  switch (op) {
    case ADD: binaryRun<ADD>(d, pa, pb, out); break;
    case SUB: binaryRun<SUB>(d, pa, pb, out); break;
    case MUL: binaryRun<MUL>(d, pa, pb, out); break;
    case DIV: binaryRun<DIV>(d, pa, pb, out); break;
    case MAXIMUM: binaryRun<MAXIMUM>(d, pa, pb, out); break;
    case MINIMUM: binaryRun<MINIMUM>(d, pa, pb, out); break;
    case EQ: binaryRun<EQ>(d, pa, pb, out); break;
    case NE: binaryRun<NE>(d, pa, pb, out); break;
    case LT: binaryRun<LT>(d, pa, pb, out); break;
    case LE: binaryRun<LE>(d, pa, pb, out); break;
    case GT: binaryRun<GT>(d, pa, pb, out); break;
    case GE: binaryRun<GE>(d, pa, pb, out); break;
    case POW: binaryRun<POW>(d, pa, pb, out); break;
    case RELU_BWD: binaryRun<RELU_BWD>(d, pa, pb, out); break;
    case ADD_RELU: binaryRun<ADD_RELU>(d, pa, pb, out); break;
    default: a.fail("binary: unknown op");
  }
  return nullptr;
}

// ---- unary (dense input) -----------------------------------------------------------------------

enum UnOp { COPY, NEG, EXP, LOG, SQRT, ABS, SQUARE, RELU, SIGMOID, TANH, RECIPROCAL, RSQRT, LOG1P };

template <int OP>
void unRun(const float* x, float* o, long n) {
  chunks(n, n, [&](long i0, long i1) {
    for (long i = i0; i < i1; i++) {
      const float v = x[i];
      float r;
      // +−×÷ and sqrt in float round exactly as the reference's double-then-round; the
      // transcendental ones are computed in double like the reference.
      if constexpr (OP == COPY) r = v;
      else if constexpr (OP == NEG) r = -v;
      else if constexpr (OP == EXP) r = (float)std::exp((double)v);
      else if constexpr (OP == LOG) r = (float)std::log((double)v);
      else if constexpr (OP == SQRT) r = std::sqrt(v);
      else if constexpr (OP == ABS) r = std::fabs(v);
      else if constexpr (OP == SQUARE) r = (float)((double)v * v);
      else if constexpr (OP == RELU) r = v > 0 ? v : (v != v ? v : 0.0f);
      else if constexpr (OP == SIGMOID) { const double e = std::exp(-std::fabs((double)v)); r = (float)(v >= 0 ? 1 / (1 + e) : e / (1 + e)); }
      else if constexpr (OP == TANH) r = (float)std::tanh((double)v);
      else if constexpr (OP == RECIPROCAL) r = 1.0f / v;
      else if constexpr (OP == RSQRT) r = (float)(1 / std::sqrt((double)v));
      else r = (float)std::log1p((double)v);
      o[i] = r;
    }
  });
}

// unary(op, x, xOff, out): x[xOff…xOff+out.length) dense.
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = (int)a.integer(0);
  size_t lx, lo;
  const float* x = a.f32(1, lx);
  const long off = a.integer(2);
  float* o = a.f32(3, lo);
  if (!a.ok) return nullptr;
  a.range("unary: x", off, (long)lo, lx);
  if (!a.ok) return nullptr;
  x += off;
  const long n = (long)lo;
  switch (op) {
    case COPY: unRun<COPY>(x, o, n); break;
    case NEG: unRun<NEG>(x, o, n); break;
    case EXP: unRun<EXP>(x, o, n); break;
    case LOG: unRun<LOG>(x, o, n); break;
    case SQRT: unRun<SQRT>(x, o, n); break;
    case ABS: unRun<ABS>(x, o, n); break;
    case SQUARE: unRun<SQUARE>(x, o, n); break;
    case RELU: unRun<RELU>(x, o, n); break;
    case SIGMOID: unRun<SIGMOID>(x, o, n); break;
    case TANH: unRun<TANH>(x, o, n); break;
    case RECIPROCAL: unRun<RECIPROCAL>(x, o, n); break;
    case RSQRT: unRun<RSQRT>(x, o, n); break;
    case LOG1P: unRun<LOG1P>(x, o, n); break;
    default: a.fail("unary: unknown op");
  }
  return nullptr;
}

// ---- pooling -----------------------------------------------------------------------------------

// maxPool2d(geo Int32Array [planes,H,W,outH,outW,kH,kW,sH,sW,pH,pW,dH,dW], x, out, indices)
napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t lg, lx, lo, li;
  const int32_t* g = a.array<int32_t>(0, lg, napi_int32_array);
  const float* x = a.f32(1, lx);
  float* out = a.f32(2, lo);
  int32_t* ind = a.array<int32_t>(3, li, napi_int32_array);
  if (!a.ok) return nullptr;
  const long planes = g[0], H = g[1], W = g[2], oH = g[3], oW = g[4], kH = g[5], kW = g[6], sH = g[7], sW = g[8], pH = g[9],
             pW = g[10], dH = g[11], dW = g[12];
  a.range("maxPool2d: x", 0, planes * H * W, lx);
  a.range("maxPool2d: out", 0, planes * oH * oW, lo);
  a.range("maxPool2d: indices", 0, planes * oH * oW, li);
  if (!a.ok) return nullptr;
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1 && 2 * oH <= H && 2 * oW <= W) {
    // The common 2×2/2 window: same scan order and tie/NaN rule as the general loop below.
    chunks(planes, planes * H * W, [&](long p0, long p1) {
      for (long pl = p0; pl < p1; pl++) {
        const float* base = x + pl * H * W;
        float* o = out + pl * oH * oW;
        int32_t* id = ind + pl * oH * oW;
        for (long oh = 0; oh < oH; oh++, o += oW, id += oW) {
          const float* r0 = base + 2 * oh * W;
          const float* r1 = r0 + W;
          const int32_t i0 = (int32_t)(2 * oh * W);
          for (long ow = 0; ow < oW; ow++) {
            const long c = 2 * ow;
            float best = r0[c];  // -inf < v or v is NaN: the first element always wins
            int32_t bi = i0 + (int32_t)c;
            const float v1 = r0[c + 1], v2 = r1[c], v3 = r1[c + 1];
            if (v1 > best || v1 != v1) { best = v1; bi = i0 + (int32_t)c + 1; }
            if (v2 > best || v2 != v2) { best = v2; bi = i0 + (int32_t)(W + c); }
            if (v3 > best || v3 != v3) { best = v3; bi = i0 + (int32_t)(W + c + 1); }
            o[ow] = best;
            id[ow] = bi;
          }
        }
      }
    });
    return nullptr;
  }
  chunks(planes, planes * H * W, [&](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      const float* base = x + pl * H * W;
      long p = pl * oH * oW;
      for (long oh = 0; oh < oH; oh++) {
        long h0 = oh * sH - pH;
        const long h1 = std::min(h0 + (kH - 1) * dH + 1, H);
        while (h0 < 0) h0 += dH;
        for (long ow = 0; ow < oW; ow++, p++) {
          long w0 = ow * sW - pW;
          const long w1 = std::min(w0 + (kW - 1) * dW + 1, W);
          while (w0 < 0) w0 += dW;
          float best = -INFINITY;
          long bi = h0 * W + w0;
          for (long ih = h0; ih < h1; ih += dH)
            for (long iw = w0; iw < w1; iw += dW) {
              const float v = base[ih * W + iw];
              if (v > best || v != v) { best = v; bi = ih * W + iw; }
            }
          out[p] = best;
          ind[p] = (int32_t)bi;
        }
      }
    }
  });
  return nullptr;
}

// indexScatter(planes, srcSize, dstSize, src, indices, dst, accumulate) → first bad index or -1
napi_value IndexScatter(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const long planes = a.integer(0), srcSize = a.integer(1), dstSize = a.integer(2);
  size_t ls, li, ld;
  const float* src = a.f32(3, ls);
  const int32_t* ind = a.array<int32_t>(4, li, napi_int32_array);
  float* dst = a.f32(5, ld);
  const bool acc = a.boolean(6);
  if (!a.ok) return nullptr;
  a.range("indexScatter: src", 0, planes * srcSize, ls);
  a.range("indexScatter: indices", 0, planes * srcSize, li);
  a.range("indexScatter: dst", 0, planes * dstSize, ld);
  if (!a.ok) return nullptr;
  long bad = -1;
  for (long pl = 0, j = 0; pl < planes && bad == -1; pl++) {
    float* base = dst + pl * dstSize;
    for (long e = 0; e < srcSize; e++, j++) {
      const long i = ind[j];
      if (i < 0 || i >= dstSize) { bad = i; break; }
      if (acc) base[i] += src[j];
      else base[i] = src[j];
    }
  }
  napi_value r;
  napi_create_double(env, (double)bad, &r);
  return r;
}

// ---- normalisation -----------------------------------------------------------------------------

double sumBlock(const float* x, long n) {
  if (ukr().mr == 12) return sum_block_avx512(x, n);  // AVX-512 (chosen by CPUID with the GEMM kernel)
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  long i = 0;
  for (; i + 4 <= n; i += 4) { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; }
  for (; i < n; i++) s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}
double sqDevBlock(const float* x, long n, double m) {
  if (ukr().mr == 12) return sqdev_block_avx512(x, n, m);
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    const double d0 = x[i] - m, d1 = x[i + 1] - m, d2 = x[i + 2] - m, d3 = x[i + 3] - m;
    s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
  }
  for (; i < n; i++) { const double d = x[i] - m; s0 += d * d; }
  return (s0 + s1) + (s2 + s3);
}

// normStats(x, A, B, S, mean f64, variance f64)
napi_value NormStats(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t lx, lm, lv;
  const float* x = a.f32(0, lx);
  const long A = a.integer(1), B = a.integer(2), S = a.integer(3);
  double* mean = a.array<double>(4, lm, napi_float64_array);
  double* var = a.array<double>(5, lv, napi_float64_array);
  if (!a.ok) return nullptr;
  a.range("normStats: x", 0, A * B * S, lx);
  a.range("normStats: mean", 0, B, lm);
  a.range("normStats: variance", 0, B, lv);
  if (!a.ok) return nullptr;
  const long n = A * S;
  chunks(B, A * B * S, [&](long b0, long b1) {
    for (long b = b0; b < b1; b++) {
      double s = 0;
      for (long i = 0; i < A; i++) s += sumBlock(x + (i * B + b) * S, S);
      const double m = n > 0 ? s / n : NAN;
      double q = 0;
      for (long i = 0; i < A; i++) q += sqDevBlock(x + (i * B + b) * S, S, m);
      mean[b] = m;
      var[b] = n > 0 ? q / n : NAN;
    }
  });
  return nullptr;
}

// normApply(x, A, B, S, mean, rstd, weight|null, bias|null, out[, relu]): relu clamps negatives
// to 0 in the same pass (batch norm + ReLU; NaN stays NaN)
napi_value NormApply(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t lx, lm, lr, lw = 0, lb = 0, lo;
  const float* x = a.f32(0, lx);
  const long A = a.integer(1), B = a.integer(2), S = a.integer(3);
  const double* mean = a.array<double>(4, lm, napi_float64_array);
  const double* rstd = a.array<double>(5, lr, napi_float64_array);
  const float* w = a.isNull(6) ? nullptr : a.f32(6, lw);
  const float* bi = a.isNull(7) ? nullptr : a.f32(7, lb);
  float* out = a.f32(8, lo);
  const bool relu = !a.isNull(9) && a.boolean(9);
  if (!a.ok) return nullptr;
  a.range("normApply: x", 0, A * B * S, lx);
  a.range("normApply: out", 0, A * B * S, lo);
  a.range("normApply: mean", 0, B, lm);
  a.range("normApply: rstd", 0, B, lr);
  if (w) a.range("normApply: weight", 0, B, lw);
  if (bi) a.range("normApply: bias", 0, B, lb);
  if (!a.ok) return nullptr;
  const bool avx512 = ukr().mr == 12;
  chunks(A * B, A * B * S, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const long b = r % B;
      const double m = mean[b], sc = rstd[b] * (w ? w[b] : 1.0), sh = bi ? bi[b] : 0.0;
      const float* xs = x + r * S;
      float* os = out + r * S;
      if (avx512) { norm_apply_row_avx512(xs, os, S, m, sc, sh, relu); continue; }
      for (long i = 0; i < S; i++) os[i] = (float)((xs[i] - m) * sc + sh);
      if (relu) for (long i = 0; i < S; i++) if (os[i] < 0) os[i] = 0;
    }
  });
  return nullptr;
}

// normBackward(x, g, A, B, S, mean, rstd, weight|null, batchStats, gx|null, sumG, sumGXhat[, mask]):
// with mask (normApply's output with relu), g counts only where mask > 0 (ReLU's gradient)
napi_value NormBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t lx, lg, lm, lr, lw = 0, lgx = 0, l1, l2;
  const float* x = a.f32(0, lx);
  const float* g = a.f32(1, lg);
  const long A = a.integer(2), B = a.integer(3), S = a.integer(4);
  const double* mean = a.array<double>(5, lm, napi_float64_array);
  const double* rstd = a.array<double>(6, lr, napi_float64_array);
  const float* w = a.isNull(7) ? nullptr : a.f32(7, lw);
  const bool batchStats = a.boolean(8);
  float* gx = a.isNull(9) ? nullptr : a.f32(9, lgx);
  double* sumG = a.array<double>(10, l1, napi_float64_array);
  double* sumGX = a.array<double>(11, l2, napi_float64_array);
  size_t lk = 0;
  const float* mk = a.isNull(12) ? nullptr : a.f32(12, lk);
  if (!a.ok) return nullptr;
  const long total = A * B * S;
  if (mk) a.range("normBackward: mask", 0, total, lk);
  a.range("normBackward: x", 0, total, lx);
  a.range("normBackward: g", 0, total, lg);
  if (gx) a.range("normBackward: gx", 0, total, lgx);
  a.range("normBackward: mean", 0, B, lm);
  a.range("normBackward: rstd", 0, B, lr);
  if (w) a.range("normBackward: weight", 0, B, lw);
  a.range("normBackward: sumG", 0, B, l1);
  a.range("normBackward: sumGXhat", 0, B, l2);
  if (!a.ok) return nullptr;
  const double n = (double)(A * S);
  if (ukr().mr == 12) {  // AVX-512 (the GEMM chose its microkernel by CPUID)
    chunks(B, total, [&](long b0, long b1) {
      for (long b = b0; b < b1; b++)
        norm_backward_channel_avx512(x, g, mk, gx, A, B, S, b, mean[b], rstd[b], rstd[b] * (w ? w[b] : 1.0), batchStats, n, sumG + b, sumGX + b);
    });
    return nullptr;
  }
  chunks(B, total, [&](long b0, long b1) {
    for (long b = b0; b < b1; b++) {
      const double m = mean[b], r = rstd[b];
      double sg = 0, sgx = 0;
      for (long i = 0; i < A; i++) {
        const float* xs = x + (i * B + b) * S;
        const float* gs = g + (i * B + b) * S;
        const float* ms = mk ? mk + (i * B + b) * S : nullptr;
        double s0 = 0, s1 = 0, t0 = 0, t1 = 0;
        long j = 0;
        auto G = [&](long k) { return ms && !(ms[k] > 0) ? 0.0f : gs[k]; };
        for (; j + 2 <= S; j += 2) {
          const float g0 = G(j), g1 = G(j + 1);
          s0 += g0; s1 += g1;
          t0 += g0 * (xs[j] - m); t1 += g1 * (xs[j + 1] - m);
        }
        for (; j < S; j++) { const float g0 = G(j); s0 += g0; t0 += g0 * (xs[j] - m); }
        sg += s0 + s1;
        sgx += (t0 + t1) * r;
      }
      sumG[b] = sg;
      sumGX[b] = sgx;
      if (!gx) continue;
      const double sc = r * (w ? w[b] : 1.0);
      const double mg = batchStats ? sg / n : 0, mgx = batchStats ? sgx / n : 0;
      for (long i = 0; i < A; i++) {
        const long base = (i * B + b) * S;
        for (long j = 0; j < S; j++) {
          const double xh = (x[base + j] - m) * r;
          const float gv = mk && !(mk[base + j] > 0) ? 0.0f : g[base + j];
          gx[base + j] = (float)(sc * (gv - mg - xh * mgx));
        }
      }
    }
  });
  return nullptr;
}

// ---- reductions --------------------------------------------------------------------------------

// reduceSum(x, outer, inner, out): out[o] = Σ x[o, :] (double accumulation)
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t lx, lo;
  const float* x = a.f32(0, lx);
  const long outer = a.integer(1), inner = a.integer(2);
  float* out = a.f32(3, lo);
  if (!a.ok) return nullptr;
  a.range("reduceLast: x", 0, outer * inner, lx);
  a.range("reduceLast: out", 0, outer, lo);
  if (!a.ok) return nullptr;
  chunks(outer, outer * inner, [&](long o0, long o1) {
    for (long o = o0; o < o1; o++) out[o] = (float)sumBlock(x + o * inner, inner);
  });
  return nullptr;
}

// reduceMiddle(x, xOff, A, B, S, out): out[b] = Σ_{a,s} x[xOff + (a·B + b)·S + s] (double sums)
napi_value ReduceMiddle(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t lx, lo;
  const float* x = a.f32(0, lx);
  const long off = a.integer(1), A = a.integer(2), B = a.integer(3), S = a.integer(4);
  float* out = a.f32(5, lo);
  if (!a.ok) return nullptr;
  if (A < 0 || B < 0 || S < 0) { a.fail("reduceMiddle: negative size"); return nullptr; }
  a.range("reduceMiddle: x", off, A * B * S, lx);
  a.range("reduceMiddle: out", 0, B, lo);
  if (!a.ok) return nullptr;
  x += off;
  if (S >= 16) {
    // Long rows: each channel b sums its A rows; threads split the channels.
    chunks(B, A * B * S, [&](long b0, long b1) {
      for (long b = b0; b < b1; b++) {
        double s = 0;
        for (long i = 0; i < A; i++) s += sumBlock(x + (i * B + b) * S, S);
        out[b] = (float)s;
      }
    });
    return nullptr;
  }
  // Short rows (e.g. S = 1: a column sum of [A, B]): stream the rows into B double sums.
  std::vector<double> acc(B, 0.0);
  double* ac = acc.data();
  for (long i = 0; i < A; i++) {
    const float* r = x + i * B * S;
    if (S == 1) for (long b = 0; b < B; b++) ac[b] += r[b];
    else for (long b = 0; b < B; b++) ac[b] += sumBlock(r + b * S, S);
  }
  for (long b = 0; b < B; b++) out[b] = (float)ac[b];
  return nullptr;
}

}  // namespace

void register_ops(napi_env env, napi_value exports) {
  set_fn(env, exports, "binary", Binary);
  set_fn(env, exports, "unary", Unary);
  set_fn(env, exports, "maxPool2d", MaxPool2d);
  set_fn(env, exports, "indexScatter", IndexScatter);
  set_fn(env, exports, "normStats", NormStats);
  set_fn(env, exports, "normApply", NormApply);
  set_fn(env, exports, "normBackward", NormBackward);
  set_fn(env, exports, "reduceSum", ReduceSum);
  set_fn(env, exports, "reduceMiddle", ReduceMiddle);
}

}  // namespace kestrel
