// Float32 GEMM: BLIS-style packing and cache blocking around a register-blocked microkernel.
// Loop order jc (NC columns of B, the packed block stays in L2) → pc (KC of the shared
// dimension) → ic (MC rows of A) → ir (one MR×KC A micro-panel, kept in L1) → jr (NR×KC B
// micro-panels streamed from L2). Every KC block is summed in registers and then added to C,
// so long dot products are accumulated as block sums (better float32 rounding than one chain).
// Threads split the problem into independent column (or row) slabs, each packing its own.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include "kestrel.h"

namespace kestrel {
namespace {

constexpr long KC = 256;
constexpr long NC = 512;
constexpr long MC = 384;

// Portable microkernel (4×16, vectorised by the compiler at the baseline ISA).
void ukr_scalar_4x16(long kc, const float* A, const float* B, float* C, long ldc, float beta) {
  float acc[4][16] = {};
  for (long k = 0; k < kc; k++, A += 4, B += 16)
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 16; j++) acc[i][j] += A[i] * B[j];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 16; j++) C[i * ldc + j] = beta == 0 ? acc[i][j] : acc[i][j] + beta * C[i * ldc + j];
}

Ukr choose() {
#if defined(KESTREL_X86)
  const char* force = std::getenv("KESTREL_NATIVE_ISA");  // "avx2" / "scalar": test the other paths
  std::string f = force ? force : "";
  __builtin_cpu_init();
  if (f != "avx2" && f != "scalar" && __builtin_cpu_supports("avx512f")) return {12, 32, ukr_avx512_12x32, "AVX-512"};
  if (f != "scalar" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {6, 16, ukr_avx2_6x16, "AVX2"};
#endif
  return {4, 16, ukr_scalar_4x16, "scalar"};
}

struct Buf {
  float* p = nullptr;
  size_t n = 0;
  float* get(size_t need) {
    if (need > n) {
      std::free(p);
      n = need + need / 4;
      p = static_cast<float*>(std::aligned_alloc(64, ((n * sizeof(float)) + 63) / 64 * 64));
    }
    return p;
  }
  ~Buf() { std::free(p); }
};
thread_local Buf bufA, bufB;

// Ap: ceil(mc/MR) panels of [kc][MR]; rows past mc are zero.
void packA(bool tA, const float* A, long lda, long mc, long kc, int MR, float* Ap) {
  for (long i0 = 0; i0 < mc; i0 += MR, Ap += MR * kc) {
    const long mr = std::min<long>(MR, mc - i0);
    if (!tA) {
      for (long i = 0; i < mr; i++) {
        const float* s = A + (i0 + i) * lda;
        for (long k = 0; k < kc; k++) Ap[k * MR + i] = s[k];
      }
      for (long i = mr; i < MR; i++)
        for (long k = 0; k < kc; k++) Ap[k * MR + i] = 0;
    } else {
      for (long k = 0; k < kc; k++) {
        const float* s = A + k * lda + i0;
        float* d = Ap + k * MR;
        long i = 0;
        for (; i < mr; i++) d[i] = s[i];
        for (; i < MR; i++) d[i] = 0;
      }
    }
  }
}

// Bp: ceil(nc/NR) panels of [kc][NR]; columns past nc are zero.
void packB(bool tB, const float* B, long ldb, long kc, long nc, int NR, float* Bp) {
  for (long j0 = 0; j0 < nc; j0 += NR, Bp += NR * kc) {
    const long nr = std::min<long>(NR, nc - j0);
    if (!tB) {
      for (long k = 0; k < kc; k++) {
        const float* s = B + k * ldb + j0;
        float* d = Bp + k * NR;
        if (nr == NR) std::memcpy(d, s, NR * sizeof(float));
        else {
          long j = 0;
          for (; j < nr; j++) d[j] = s[j];
          for (; j < NR; j++) d[j] = 0;
        }
      }
    } else {
      for (long j = 0; j < nr; j++) {
        const float* s = B + (j0 + j) * ldb;
        for (long k = 0; k < kc; k++) Bp[k * NR + j] = s[k];
      }
      for (long j = nr; j < NR; j++)
        for (long k = 0; k < kc; k++) Bp[k * NR + j] = 0;
    }
  }
}

void scale(long M, long N, float* C, long ldc, float beta) {
  for (long i = 0; i < M; i++)
    for (long j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? 0.0f : beta * C[i * ldc + j];
}

void gemm_serial(bool tA, bool tB, long M, long N, long K, const float* A, long lda,
                 const float* B, long ldb, float* C, long ldc, float beta) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { scale(M, N, C, ldc, beta); return; }
  const Ukr& u = ukr();
  const int MR = u.mr, NR = u.nr;
  alignas(64) float tmp[16 * 64];
  const long kcMax = std::min(KC, K);
  float* Bp = bufB.get((size_t)kcMax * ((std::min(NC, N) + NR - 1) / NR * NR));
  float* Ap = bufA.get((size_t)kcMax * ((std::min(MC, M) + MR - 1) / MR * MR));
  for (long jc = 0; jc < N; jc += NC) {
    const long nc = std::min(NC, N - jc);
    for (long pc = 0; pc < K; pc += KC) {
      const long kc = std::min(KC, K - pc);
      const float b = pc == 0 ? beta : 1.0f;
      packB(tB, tB ? B + jc * ldb + pc : B + pc * ldb + jc, ldb, kc, nc, NR, Bp);
      for (long ic = 0; ic < M; ic += MC) {
        const long mc = std::min(MC, M - ic);
        packA(tA, tA ? A + pc * lda + ic : A + ic * lda + pc, lda, mc, kc, MR, Ap);
        for (long ir = 0; ir < mc; ir += MR) {
          const long mr = std::min<long>(MR, mc - ir);
          const float* a = Ap + ir * kc;
          for (long jr = 0; jr < nc; jr += NR) {
            const long nr = std::min<long>(NR, nc - jr);
            float* c = C + (ic + ir) * ldc + jc + jr;
            const float* bp = Bp + jr * kc;
            if (mr == MR && nr == NR) {
              u.fn(kc, a, bp, c, ldc, b);
            } else {
              u.fn(kc, a, bp, tmp, NR, 0.0f);
              for (long i = 0; i < mr; i++)
                for (long j = 0; j < nr; j++)
                  c[i * ldc + j] = b == 0 ? tmp[i * NR + j] : tmp[i * NR + j] + b * c[i * ldc + j];
            }
          }
        }
      }
    }
  }
}

}  // namespace

const Ukr& ukr() {
  static Ukr u = choose();
  return u;
}

void sgemm(bool tA, bool tB, long M, long N, long K, const float* A, long lda,
           const float* B, long ldb, float* C, long ldc, float beta, int threads) {
  const double flops = 2.0 * M * N * K;
  // Under ~2 MFLOP the dispatch (µs) costs more than the second thread saves.
  int nt = flops < 2e6 ? 1 : std::min(threads, num_threads());
  const Ukr& u = ukr();
  // Split the larger dimension into slabs of whole microtiles.
  const bool byN = N / u.nr >= M / u.mr;
  const long units = byN ? (N + u.nr - 1) / u.nr : (M + u.mr - 1) / u.mr;
  if (units < nt) nt = (int)std::max<long>(1, units);
  if (nt <= 1) { gemm_serial(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, beta); return; }
  parallel_for(nt, [&](int t) {
    const long u0 = units * t / nt, u1 = units * (t + 1) / nt;
    if (byN) {
      const long n0 = u0 * u.nr, n1 = std::min(N, u1 * u.nr);
      gemm_serial(tA, tB, M, n1 - n0, K, A, lda, tB ? B + n0 * ldb : B + n0, ldb, C + n0, ldc, beta);
    } else {
      const long m0 = u0 * u.mr, m1 = std::min(M, u1 * u.mr);
      gemm_serial(tA, tB, m1 - m0, N, K, tA ? A + m0 : A + m0 * lda, lda, B, ldb, C + m0 * ldc, ldc, beta);
    }
  });
}

}  // namespace kestrel
