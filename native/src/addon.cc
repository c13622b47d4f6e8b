// N-API entry point: registers every kernel family and the addon's info().
// Memory: see native/README.md for why the allocator is tuned here.
#include <malloc.h>
#include <cstdlib>
#include <algorithm>
#include <string>
#include <vector>
#include "kestrel.h"
#include "napi_util.h"

namespace kestrel {

void register_conv(napi_env env, napi_value exports);
void register_ops(napi_env env, napi_value exports);
void register_optim(napi_env env, napi_value exports);

namespace {

void set_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

// gemm(transA, transB, M, N, K, A, aOff, B, bOff, C, cOff, beta): float32 arrays only.
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const bool tA = a.boolean(0), tB = a.boolean(1);
  const long M = a.integer(2), N = a.integer(3), K = a.integer(4);
  size_t la, lb, lc;
  const float* A = a.f32(5, la);
  const long aOff = a.integer(6);
  const float* B = a.f32(7, lb);
  const long bOff = a.integer(8);
  float* C = a.f32(9, lc);
  const long cOff = a.integer(10);
  const float beta = a.argc > 11 ? (float)a.num(11) : 0.0f;
  if (!a.ok) return nullptr;
  if (M < 0 || N < 0 || K < 0) { a.fail("gemm: negative size"); return nullptr; }
  a.range("gemm: A", aOff, M * K, la);
  a.range("gemm: B", bOff, K * N, lb);
  a.range("gemm: C", cOff, M * N, lc);
  if (!a.ok) return nullptr;
  sgemm(tA, tB, M, N, K, A + aOff, tA ? M : K, B + bOff, tB ? K : N, C + cOff, N, beta, num_threads());
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, ukr().isa, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "isa", v);
  napi_create_int32(env, num_threads(), &v);
  napi_set_named_property(env, o, "threads", v);
  napi_create_int32(env, ukr().mr, &v);
  napi_set_named_property(env, o, "mr", v);
  napi_create_int32(env, ukr().nr, &v);
  napi_set_named_property(env, o, "nr", v);
  return o;
}

// fmaPeak(): the machine's float32 FMA peak in GFLOP/s on all pool threads (the sum of each
// thread's rate by its own CPU clock), or 0 without AVX-512. Best of 5 short runs per thread.
napi_value FmaPeak(napi_env env, napi_callback_info) {
  double total = 0;
  if (ukr().mr == 12) {
    const int nt = num_threads();
    std::vector<double> best(nt, 0.0);
    for (int rep = 0; rep < 5; rep++)
      parallel_for(nt, [&](int t) { best[t] = std::max(best[t], fma_peak_thread_avx512(2000000)); });
    for (double b : best) total += b;
  }
  napi_value v;
  napi_create_double(env, total, &v);
  return v;
}

void tune_malloc() {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
  // Node allocates ArrayBuffer backing stores with calloc; glibc serves big ones with fresh
  // mmap()s whose every page faults on first write (~10 µs/page here). Keeping them in the
  // heap and not trimming it lets freed tensors' pages be reused. KESTREL_MALLOC_TUNE=0 skips.
  const char* s = std::getenv("KESTREL_MALLOC_TUNE");
  if (s && std::string(s) == "0") return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

napi_value Init(napi_env env, napi_value exports) {
  tune_malloc();
  set_fn(env, exports, "gemm", Gemm);
  set_fn(env, exports, "info", Info);
  set_fn(env, exports, "fmaPeak", FmaPeak);
  register_conv(env, exports);
  register_ops(env, exports);
  register_optim(env, exports);
  return exports;
}

}  // namespace
}  // namespace kestrel

NAPI_MODULE(NODE_GYP_MODULE_NAME, kestrel::Init)
