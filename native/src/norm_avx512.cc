// Batch-norm statistics, normalisation and backward with AVX-512 (own -m flags; called only
// when CPUID says so): the same double-precision arithmetic as ops.cc's portable loops, 8
// doubles per vector (ops.cc itself is compiled for the baseline ISA: 2 doubles per vector).
#include <immintrin.h>
#include "kestrel.h"

namespace kestrel {

namespace {
inline __m512d load8(const float* p, long n) {  // n < 8: masked tail
  if (n >= 8) return _mm512_cvtps_pd(_mm256_loadu_ps(p));
  return _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)((1u << n) - 1), p));
}
inline void store8(float* p, long n, __m512d v) {
  const __m256 f = _mm512_cvtpd_ps(v);
  if (n >= 8) _mm256_storeu_ps(p, f);
  else _mm256_mask_storeu_ps(p, (__mmask8)((1u << n) - 1), f);
}
}  // namespace

double sum_block_avx512(const float* x, long n) {
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  long j = 0;
  for (; j + 16 <= n; j += 16) {
    s0 = _mm512_add_pd(s0, load8(x + j, 8));
    s1 = _mm512_add_pd(s1, load8(x + j + 8, 8));
  }
  for (; j < n; j += 8) s0 = _mm512_add_pd(s0, load8(x + j, n - j));
  return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}

double sqdev_block_avx512(const float* x, long n, double m) {
  const __m512d mv = _mm512_set1_pd(m);
  __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
  long j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512d d0 = _mm512_sub_pd(load8(x + j, 8), mv), d1 = _mm512_sub_pd(load8(x + j + 8, 8), mv);
    s0 = _mm512_add_pd(s0, _mm512_mul_pd(d0, d0));
    s1 = _mm512_add_pd(s1, _mm512_mul_pd(d1, d1));
  }
  for (; j < n; j += 8) {
    // Masked-off lanes load 0: subtract the mean only where there is data.
    const long left = n - j;
    const __mmask8 k = (__mmask8)(left >= 8 ? 0xff : (1u << left) - 1);
    const __m512d d = _mm512_maskz_sub_pd(k, load8(x + j, left), mv);
    s0 = _mm512_add_pd(s0, _mm512_mul_pd(d, d));
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}

void norm_apply_row_avx512(const float* x, float* out, long S, double m, double sc, double sh, bool relu) {
  const __m512d mv = _mm512_set1_pd(m), scv = _mm512_set1_pd(sc), shv = _mm512_set1_pd(sh), zero = _mm512_setzero_pd();
  for (long j = 0; j < S; j += 8) {
    const long left = S - j;
    __m512d v = _mm512_add_pd(_mm512_mul_pd(_mm512_sub_pd(load8(x + j, left), mv), scv), shv);
    if (relu) v = _mm512_max_pd(zero, v);  // max returns its second operand for NaN: NaN stays
    store8(out + j, left, v);
  }
}

namespace {
/** g where mask > 0, else 0 (ReLU's gradient folded into batch norm's); g as is without a mask. */
inline __m512d maskedG(const float* g, const float* mask, long left) {
  const __m512d gv = load8(g, left);
  if (!mask) return gv;
  return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(load8(mask, left), _mm512_setzero_pd(), _CMP_GT_OQ), gv);
}
}  // namespace

void norm_backward_channel_avx512(const float* x, const float* g, const float* mask, float* gx, long A, long B, long S, long b, double m, double r,
                                  double sc, bool batchStats, double n, double* sumG, double* sumGX) {
  const __m512d mv = _mm512_set1_pd(m);
  __m512d sg = _mm512_setzero_pd(), st = _mm512_setzero_pd();
  for (long i = 0; i < A; i++) {
    const float* xs = x + (i * B + b) * S;
    const float* gs = g + (i * B + b) * S;
    const float* ms = mask ? mask + (i * B + b) * S : nullptr;
    for (long j = 0; j < S; j += 8) {
      const __m512d gv = maskedG(gs + j, ms ? ms + j : nullptr, S - j), xv = load8(xs + j, S - j);
      sg = _mm512_add_pd(sg, gv);
      st = _mm512_add_pd(st, _mm512_mul_pd(gv, _mm512_sub_pd(xv, mv)));
    }
  }
  const double sgs = _mm512_reduce_add_pd(sg), sgx = _mm512_reduce_add_pd(st) * r;
  *sumG = sgs;
  *sumGX = sgx;
  if (!gx) return;
  const double mg = batchStats ? sgs / n : 0, mgx = batchStats ? sgx / n : 0;
  const __m512d scv = _mm512_set1_pd(sc), mgv = _mm512_set1_pd(mg), mgxv = _mm512_set1_pd(mgx), rv = _mm512_set1_pd(r);
  for (long i = 0; i < A; i++) {
    const long base = (i * B + b) * S;
    for (long j = 0; j < S; j += 8) {
      const long left = S - j;
      const __m512d gv = maskedG(g + base + j, mask ? mask + base + j : nullptr, left), xv = load8(x + base + j, left);
      const __m512d xh = _mm512_mul_pd(_mm512_sub_pd(xv, mv), rv);
      const __m512d o = _mm512_mul_pd(scv, _mm512_sub_pd(_mm512_sub_pd(gv, mgv), _mm512_mul_pd(xh, mgxv)));
      const __m256 of = _mm512_cvtpd_ps(o);
      if (left >= 8) _mm256_storeu_ps(gx + base + j, of);
      else _mm256_mask_storeu_ps(gx + base + j, (__mmask8)((1u << left) - 1), of);
    }
  }
}

}  // namespace kestrel
