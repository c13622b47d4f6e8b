// Optimizer kernels (float32 parameters and state): adamStep, the Adam/AdamW element loop of
// src/backend/js/optim.ts. Every step is computed in double and rounded at each store exactly
// like the reference (no FMA contraction: -std=c++17 turns it off), so results are identical.
#include <algorithm>
#include <cmath>
#include "kestrel.h"
#include "napi_util.h"

namespace kestrel {
namespace {

void set_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

struct AdamH {
  double beta1, beta2, stepSize, bias2Sqrt, eps, weightDecay, decay;
  bool decoupled, maximize;
};

// The common case (no AMSGrad) is written branch-free per element so it vectorises.
template <bool DECOUPLED, bool WD, bool MAXIMIZE>
void adamRange(const AdamH& h, long i0, long i1, float* p, const float* g, float* m, float* v) {
  const double b1 = h.beta1, b2 = h.beta2, c1 = 1 - h.beta1, c2 = 1 - h.beta2;
  for (long i = i0; i < i1; i++) {
    double gi = MAXIMIZE ? -(double)g[i] : (double)g[i];
    float pw = p[i];
    if (DECOUPLED) pw = (float)((double)pw * h.decay);
    else if (WD) gi = gi + h.weightDecay * (double)pw;
    const float mi = (float)((double)m[i] * b1 + c1 * gi);
    const float vi = (float)((double)v[i] * b2 + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    const double denom = std::sqrt((double)vi) / h.bias2Sqrt + h.eps;
    p[i] = (float)((double)pw + (-h.stepSize * (double)mi) / denom);
  }
}

void adamAmsRange(const AdamH& h, long i0, long i1, float* p, const float* g, float* m, float* v, float* vmax) {
  for (long i = i0; i < i1; i++) {
    double gi = h.maximize ? -(double)g[i] : (double)g[i];
    if (h.decoupled) p[i] = (float)((double)p[i] * h.decay);
    else if (h.weightDecay != 0) gi = gi + h.weightDecay * (double)p[i];
    m[i] = (float)((double)m[i] * h.beta1 + (1 - h.beta1) * gi);
    v[i] = (float)((double)v[i] * h.beta2 + (1 - h.beta2) * gi * gi);
    const float second = v[i];
    const float prev = vmax[i];
    vmax[i] = (prev != prev || second != second) ? NAN : std::max(prev, second);
    const double denom = std::sqrt((double)vmax[i]) / h.bias2Sqrt + h.eps;
    p[i] = (float)((double)p[i] + (-h.stepSize * (double)m[i]) / denom);
  }
}

// adamStep(n, hyper Float64Array[9], p, pOff, g, gOff, m, mOff, v, vOff, vmax|null, vmaxOff)
napi_value AdamStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const long n = a.integer(0);
  size_t lh, lp, lg, lm, lv, lx = 0;
  const double* hv = a.array<double>(1, lh, napi_float64_array);
  float* p = a.f32(2, lp);
  const long pOff = a.integer(3);
  const float* g = a.f32(4, lg);
  const long gOff = a.integer(5);
  float* m = a.f32(6, lm);
  const long mOff = a.integer(7);
  float* v = a.f32(8, lv);
  const long vOff = a.integer(9);
  float* vmax = a.isNull(10) ? nullptr : a.f32(10, lx);
  const long xOff = a.integer(11);
  if (!a.ok) return nullptr;
  if (lh < 9) { a.fail("adamStep: hyper must have 9 entries"); return nullptr; }
  a.range("adamStep: p", pOff, n, lp);
  a.range("adamStep: g", gOff, n, lg);
  a.range("adamStep: m", mOff, n, lm);
  a.range("adamStep: v", vOff, n, lv);
  if (vmax) a.range("adamStep: vmax", xOff, n, lx);
  if (!a.ok) return nullptr;
  const AdamH h{hv[0], hv[1], hv[2], hv[3], hv[4], hv[5], hv[6], hv[7] != 0, hv[8] != 0};
  p += pOff; g += gOff; m += mOff; v += vOff;
  if (vmax) vmax += xOff;
  auto range = [&](long i0, long i1) {
    if (vmax) { adamAmsRange(h, i0, i1, p, g, m, v, vmax); return; }
    const bool wd = h.weightDecay != 0;
    if (h.decoupled) {
      if (h.maximize) adamRange<true, false, true>(h, i0, i1, p, g, m, v);
      else adamRange<true, false, false>(h, i0, i1, p, g, m, v);
    } else if (wd) {
      if (h.maximize) adamRange<false, true, true>(h, i0, i1, p, g, m, v);
      else adamRange<false, true, false>(h, i0, i1, p, g, m, v);
    } else {
      if (h.maximize) adamRange<false, false, true>(h, i0, i1, p, g, m, v);
      else adamRange<false, false, false>(h, i0, i1, p, g, m, v);
    }
  };
  // ~10 flops with a sqrt and two divisions per element: two threads from ~64K elements.
  const int nt = n < (1 << 16) ? 1 : num_threads();
  if (nt <= 1) range(0, n);
  else parallel_for(nt, [&](int t) { range(n * t / nt, n * (t + 1) / nt); });
  return nullptr;
}

}  // namespace

void register_optim(napi_env env, napi_value exports) { set_fn(env, exports, "adamStep", AdamStep); }

}  // namespace kestrel
