// Shared declarations of the Kestrel native addon: the thread pool, the float32 GEMM and the
// microkernel table chosen by CPUID at load time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace kestrel {

// ---- thread pool (pool.cc) -------------------------------------------------------------------
/** Threads the pool may use (KESTREL_NUM_THREADS, default: hardware threads). */
int num_threads();
/**
 * Run fn(tid) for tid in [0, n) on n threads (the caller is tid 0) and wait for all. Runs
 * serially when n <= 1 or when called from inside a pool task (no nesting).
 */
void parallel_for(int n, const std::function<void(int)>& fn);

// ---- GEMM (gemm.cc) --------------------------------------------------------------------------
/** One register-blocked microkernel: C[MR×NR] = A-panel · B-panel + beta·C (beta 0: C not read). */
using UkrFn = void (*)(long kc, const float* A, const float* B, float* C, long ldc, float beta);
struct Ukr {
  int mr, nr;
  UkrFn fn;
  const char* isa;
};
const Ukr& ukr();

/**
 * Row-major C[M×N] = op(A)·op(B) + beta·C with leading dimensions lda/ldb/ldc (the row length
 * of each matrix as stored). Uses up to `threads` pool threads (1 inside pool tasks).
 */
void sgemm(bool transA, bool transB, long M, long N, long K, const float* A, long lda,
           const float* B, long ldb, float* C, long ldc, float beta, int threads);

// Microkernels compiled in their own translation units with their own -m flags.
void ukr_avx512_12x32(long kc, const float* A, const float* B, float* C, long ldc, float beta);
/** Batch-norm backward of channel b (norm_avx512.cc): sums, then gx unless null. */
void norm_backward_channel_avx512(const float* x, const float* g, const float* mask, float* gx, long A, long B, long S, long b, double m, double r,
                                  double sc, bool batchStats, double n, double* sumG, double* sumGX);
/** Σ x[0..n) and Σ (x − m)² in double (norm_avx512.cc). */
double sum_block_avx512(const float* x, long n);
double sqdev_block_avx512(const float* x, long n, double m);
/** out = (x − m)·sc + sh over one row of S, computed in double. */
void norm_apply_row_avx512(const float* x, float* out, long S, double m, double sc, double sh, bool relu);
/** GFLOP/s of one thread running only 512-bit FMAs for `iters` × 24 instructions (peak_avx512.cc). */
double fma_peak_thread_avx512(long iters);
void ukr_avx2_6x16(long kc, const float* A, const float* B, float* C, long ldc, float beta);

}  // namespace kestrel
