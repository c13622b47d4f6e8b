// The AVX-512 microkernel (compiled with -mavx512f -mfma; called only when CPUID says so).
// 12×32: 24 zmm accumulators, two B vectors and one broadcast A value per step (27 of 32 regs).
#include <immintrin.h>
#include "kestrel.h"

namespace kestrel {

void ukr_avx512_12x32(long kc, const float* A, const float* B, float* C, long ldc, float beta) {
  __m512 c[12][2];
#pragma GCC unroll 12
  for (int i = 0; i < 12; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
  for (long k = 0; k < kc; k++, A += 12, B += 32) {
    const __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16);
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) {
      const __m512 a = _mm512_set1_ps(A[i]);
      c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
      c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
    }
  }
  if (beta == 0) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) {
      _mm512_storeu_ps(C + i * ldc, c[i][0]);
      _mm512_storeu_ps(C + i * ldc + 16, c[i][1]);
    }
  } else {
    const __m512 bv = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) {
      _mm512_storeu_ps(C + i * ldc, _mm512_fmadd_ps(bv, _mm512_loadu_ps(C + i * ldc), c[i][0]));
      _mm512_storeu_ps(C + i * ldc + 16, _mm512_fmadd_ps(bv, _mm512_loadu_ps(C + i * ldc + 16), c[i][1]));
    }
  }
}

}  // namespace kestrel
