// The AVX2+FMA microkernel (compiled with -mavx2 -mfma): 6×16, 12 ymm accumulators.
#include <immintrin.h>
#include "kestrel.h"

namespace kestrel {

void ukr_avx2_6x16(long kc, const float* A, const float* B, float* C, long ldc, float beta) {
  __m256 c[6][2];
#pragma GCC unroll 6
  for (int i = 0; i < 6; i++) c[i][0] = c[i][1] = _mm256_setzero_ps();
  for (long k = 0; k < kc; k++, A += 6, B += 16) {
    const __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
#pragma GCC unroll 6
    for (int i = 0; i < 6; i++) {
      const __m256 a = _mm256_broadcast_ss(A + i);
      c[i][0] = _mm256_fmadd_ps(a, b0, c[i][0]);
      c[i][1] = _mm256_fmadd_ps(a, b1, c[i][1]);
    }
  }
  const __m256 bv = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int i = 0; i < 6; i++) {
    if (beta == 0) {
      _mm256_storeu_ps(C + i * ldc, c[i][0]);
      _mm256_storeu_ps(C + i * ldc + 8, c[i][1]);
    } else {
      _mm256_storeu_ps(C + i * ldc, _mm256_fmadd_ps(bv, _mm256_loadu_ps(C + i * ldc), c[i][0]));
      _mm256_storeu_ps(C + i * ldc + 8, _mm256_fmadd_ps(bv, _mm256_loadu_ps(C + i * ldc + 8), c[i][1]));
    }
  }
}

}  // namespace kestrel
