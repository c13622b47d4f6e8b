// The FMA peak of this CPU, measured (compiled with the AVX-512 flags; called only when CPUID
// says so): 24 independent zmm FMA chains per thread, timed by the thread's own CPU clock so a
// loaded machine does not lower it. The benchmarks quote SGEMM as a fraction of this number.
// (A Zen 4 core issues one 512-bit FMA per cycle, double-pumped: 32 flops/cycle.)
#include <immintrin.h>
#include <ctime>
#include "kestrel.h"

namespace kestrel {

double fma_peak_thread_avx512(long iters) {
  constexpr int NC = 24;
  __m512 a[NC];
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
#pragma GCC unroll 24
  for (int i = 0; i < NC; i++) a[i] = _mm512_set1_ps((float)i);
  timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 24
    for (int i = 0; i < NC; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  // Keep the chains live so the loop is not removed.
  __m512 s = a[0];
  for (int i = 1; i < NC; i++) s = _mm512_add_ps(s, a[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  const double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
  return sec > 0 ? (double)iters * NC * 16 * 2 / sec / 1e9 : 0;
}

}  // namespace kestrel
