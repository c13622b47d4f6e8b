// Whole-convolution kernels (float32, NCHW, dense): forward, transposed forward (the input
// gradient) and the weight gradient. Threads split the batch; each keeps its own im2col
// scratch between calls (grown when needed, never reallocated per call) and runs a
// single-threaded GEMM per image. With fewer images than threads the GEMM itself is threaded.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "kestrel.h"
#include "napi_util.h"
#include "conv_direct.h"

namespace kestrel {
namespace {

struct Geo {
  long C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW;
};

thread_local Scratch colBuf, partBuf;

bool pointwise(const Geo& g) {
  return g.kH == 1 && g.kW == 1 && g.sH == 1 && g.sW == 1 && g.pH == 0 && g.pW == 0 && g.oH == g.H && g.oW == g.W;
}

/** Unfold one C×H×W image into col [C·kH·kW, oH·oW] (rows ordered c, ki, kj); padding is 0. */
void im2col(const Geo& g, const float* x, float* col) {
  const long L = g.oH * g.oW;
  float* r = col;
  for (long c = 0; c < g.C; c++) {
    const float* plane = x + c * g.H * g.W;
    for (long ki = 0; ki < g.kH; ki++) {
      for (long kj = 0; kj < g.kW; kj++, r += L) {
        float* p = r;
        const long iw0 = kj * g.dW - g.pW;
        // Output columns whose input column is inside the image: [owLo, owHi).
        long owLo = 0, owHi = g.oW;
        if (g.sW == 1) {
          owLo = std::clamp<long>(-iw0, 0, g.oW);
          owHi = std::clamp<long>(g.W - iw0, owLo, g.oW);
        }
        for (long oh = 0; oh < g.oH; oh++, p += g.oW) {
          const long ih = oh * g.sH - g.pH + ki * g.dH;
          if (ih < 0 || ih >= g.H) { std::memset(p, 0, g.oW * sizeof(float)); continue; }
          const float* row = plane + ih * g.W;
          if (g.sW == 1) {
            for (long ow = 0; ow < owLo; ow++) p[ow] = 0;
            std::memcpy(p + owLo, row + iw0 + owLo, (owHi - owLo) * sizeof(float));
            for (long ow = owHi; ow < g.oW; ow++) p[ow] = 0;
          } else {
            long iw = iw0;
            for (long ow = 0; ow < g.oW; ow++, iw += g.sW) p[ow] = iw >= 0 && iw < g.W ? row[iw] : 0.0f;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: x (C×H×W, already zeroed or holding a sum) += fold(col). */
void col2im(const Geo& g, const float* col, float* x) {
  const long L = g.oH * g.oW;
  const float* r = col;
  for (long c = 0; c < g.C; c++) {
    float* plane = x + c * g.H * g.W;
    for (long ki = 0; ki < g.kH; ki++) {
      for (long kj = 0; kj < g.kW; kj++, r += L) {
        const float* p = r;
        const long iw0 = kj * g.dW - g.pW;
        long owLo = 0, owHi = g.oW;
        if (g.sW == 1) {
          owLo = std::clamp<long>(-iw0, 0, g.oW);
          owHi = std::clamp<long>(g.W - iw0, owLo, g.oW);
        }
        for (long oh = 0; oh < g.oH; oh++, p += g.oW) {
          const long ih = oh * g.sH - g.pH + ki * g.dH;
          if (ih < 0 || ih >= g.H) continue;
          float* row = plane + ih * g.W;
          if (g.sW == 1) {
            float* d = row + iw0;
            for (long ow = owLo; ow < owHi; ow++) d[ow] += p[ow];
          } else {
            long iw = iw0;
            for (long ow = 0; ow < g.oW; ow++, iw += g.sW)
              if (iw >= 0 && iw < g.W) row[iw] += p[ow];
          }
        }
      }
    }
  }
}

void addBias(float* out, const float* bias, long C, long L) {
  for (long c = 0; c < C; c++) {
    const float b = bias[c];
    float* o = out + c * L;
    for (long l = 0; l < L; l++) o[l] += b;
  }
}

/** Threads for a batch of N images costing `flops` in all: 1 below ~2 MFLOP. */
int batchThreads(long N, double flops) {
  if (flops < 2e6) return 1;
  return (int)std::min<long>(num_threads(), std::max<long>(1, N));
}

/** Whether the AVX-512 direct convolution may run (KESTREL_NATIVE_ISA=avx2|scalar or KESTREL_CONV_DIRECT=0 turn it off). */
bool directOk() {
#if defined(KESTREL_X86)
  static const bool off = [] {
    const char* s = std::getenv("KESTREL_CONV_DIRECT");  // "0": im2col + GEMM (A/B comparisons)
    return s && s[0] == '0';
  }();
  return !off && ukr().mr == 12;  // the AVX-512 microkernel was chosen
#else
  return false;
#endif
}

bool readGeo(Args& a, size_t i, Geo& g) {
  size_t len;
  const int32_t* v = a.array<int32_t>(i, len, napi_int32_array);
  if (!a.ok) return false;
  if (len < 13) { a.fail("geometry must have 13 entries"); return false; }
  g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  return true;
}

// conv2dForward(geo, N, OC, groups, x, w, bias|null, out)
napi_value ConvForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  Geo g;
  if (!readGeo(a, 0, g)) return nullptr;
  const long N = a.integer(1), OC = a.integer(2), G = a.integer(3);
  size_t lx, lw, lb = 0, lo;
  const float* x = a.f32(4, lx);
  const float* w = a.f32(5, lw);
  const float* bias = a.isNull(6) ? nullptr : a.f32(6, lb);
  float* out = a.f32(7, lo);
  if (!a.ok) return nullptr;
  const long L = g.oH * g.oW, K = g.C / G * g.kH * g.kW, OCg = OC / G, img = g.C * g.H * g.W;
  a.range("conv2dForward: x", 0, N * img, lx);
  a.range("conv2dForward: w", 0, OC * K, lw);
  if (bias) a.range("conv2dForward: bias", 0, OC, lb);
  a.range("conv2dForward: out", 0, N * OC * L, lo);
  if (!a.ok) return nullptr;
  if (G == 1 && g.pH >= 0 && g.pW >= 0 && directOk()) {
    DirectConv d{g.C, g.H, g.W, g.kH, g.kW, g.pH, g.pW, g.dH, g.dW, g.oH, g.oW, OC, bias,
                 [&](long oc, long k) { return w[oc * K + k]; }, g.sH, g.sW};
    direct_conv_avx512(d, N, x, out);
    return nullptr;
  }
  const bool direct = pointwise(g);
  const int nt = batchThreads(N, 2.0 * N * OC * K * L);
  const int gemmThreads = N >= nt ? 1 : num_threads();
  parallel_for(nt, [&](int t) {
    const long n0 = N * t / nt, n1 = N * (t + 1) / nt;
    float* col = direct ? nullptr : colBuf.get(g.C * g.kH * g.kW * L);
    for (long n = n0; n < n1; n++) {
      const float* src = x + n * img;
      if (!direct) im2col(g, src, col);
      const float* cb = direct ? src : col;
      float* o = out + n * OC * L;
      for (long gr = 0; gr < G; gr++)
        sgemm(false, false, OCg, L, K, w + gr * OCg * K, K, cb + gr * K * L, L, o + gr * OCg * L, L, 0.0f, gemmThreads);
      if (bias) addBias(o, bias, OC, L);
    }
  });
  return nullptr;
}

// convTranspose2dForward(geo, N, Cin, groups, x, w, bias|null, out): geo is the underlying conv
// (geo.C = Cout, geo.H×W = the output image, geo.oH×oW = the input's spatial size).
napi_value ConvTransposeForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  Geo g;
  if (!readGeo(a, 0, g)) return nullptr;
  const long N = a.integer(1), Cin = a.integer(2), G = a.integer(3);
  size_t lx, lw, lb = 0, lo;
  const float* x = a.f32(4, lx);
  const float* w = a.f32(5, lw);
  const float* bias = a.isNull(6) ? nullptr : a.f32(6, lb);
  float* out = a.f32(7, lo);
  if (!a.ok) return nullptr;
  const long Cout = g.C, L = g.oH * g.oW, outL = g.H * g.W, Cing = Cin / G, M = Cout / G * g.kH * g.kW;
  a.range("convTranspose2dForward: x", 0, N * Cin * L, lx);
  a.range("convTranspose2dForward: w", 0, Cin * M, lw);
  if (bias) a.range("convTranspose2dForward: bias", 0, Cout, lb);
  a.range("convTranspose2dForward: out", 0, N * Cout * outL, lo);
  if (!a.ok) return nullptr;
  const long pH2 = (g.kH - 1) * g.dH - g.pH, pW2 = (g.kW - 1) * g.dW - g.pW;
  if (G == 1 && g.sH == 1 && g.sW == 1 && pH2 >= 0 && pW2 >= 0 && g.pH >= 0 && g.pW >= 0 && directOk()) {
    // Stride 1: a direct conv of x (Cin × oH × oW) onto Cout channels with the flipped,
    // channel-swapped weights w'[co][ci][ki][kj] = w[ci][co][kH−1−ki][kW−1−kj].
    const long kk = g.kH * g.kW;
    DirectConv d{Cin, g.oH, g.oW, g.kH, g.kW, pH2, pW2, g.dH, g.dW, g.H, g.W, Cout, bias,
                 [&](long co, long k) {
                   const long ci = k / kk, r = k - ci * kk;
                   return w[(ci * Cout + co) * kk + (kk - 1 - r)];
                 }};
    direct_conv_avx512(d, N, x, out);
    return nullptr;
  }
  const bool direct = pointwise(g);
  const int nt = batchThreads(N, 2.0 * N * Cin * M * L);
  const int gemmThreads = N >= nt ? 1 : num_threads();
  parallel_for(nt, [&](int t) {
    const long n0 = N * t / nt, n1 = N * (t + 1) / nt;
    float* col = direct ? nullptr : colBuf.get(Cout * g.kH * g.kW * L);
    for (long n = n0; n < n1; n++) {
      float* o = out + n * Cout * outL;
      float* cb = direct ? o : col;
      for (long gr = 0; gr < G; gr++)
        sgemm(true, false, M, L, Cing, w + gr * Cing * M, M, x + n * Cin * L + gr * Cing * L, L, cb + gr * M * L, L, 0.0f, gemmThreads);
      if (!direct) {
        std::memset(o, 0, Cout * outL * sizeof(float));
        col2im(g, col, o);
      }
      if (bias) addBias(o, bias, Cout, outL);
    }
  });
  return nullptr;
}

// conv2dWeightGrad(geo, N, OC, groups, x, gOut, dw)
napi_value ConvWeightGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  Geo g;
  if (!readGeo(a, 0, g)) return nullptr;
  const long N = a.integer(1), OC = a.integer(2), G = a.integer(3);
  size_t lx, lg, ld;
  const float* x = a.f32(4, lx);
  const float* go = a.f32(5, lg);
  float* dw = a.f32(6, ld);
  if (!a.ok) return nullptr;
  const long L = g.oH * g.oW, K = g.C / G * g.kH * g.kW, OCg = OC / G, img = g.C * g.H * g.W;
  a.range("conv2dWeightGrad: x", 0, N * img, lx);
  a.range("conv2dWeightGrad: gOut", 0, N * OC * L, lg);
  a.range("conv2dWeightGrad: dw", 0, OC * K, ld);
  if (!a.ok) return nullptr;
  if (N == 0) { std::memset(dw, 0, OC * K * sizeof(float)); return nullptr; }
  if (G == 1 && g.pH >= 0 && g.pW >= 0 && directOk()) {
    DirectConv d{g.C, g.H, g.W, g.kH, g.kW, g.pH, g.pW, g.dH, g.dW, g.oH, g.oW, OC, nullptr, nullptr, g.sH, g.sW};
    direct_weight_grad_avx512(d, N, x, go, dw);
    return nullptr;
  }
  const bool direct = pointwise(g);
  const int nt = batchThreads(N, 2.0 * N * OC * K * L);
  const int gemmThreads = N >= nt ? 1 : num_threads();
  std::vector<float*> parts(nt, nullptr);
  parallel_for(nt, [&](int t) {
    const long n0 = N * t / nt, n1 = N * (t + 1) / nt;
    float* col = direct ? nullptr : colBuf.get(g.C * g.kH * g.kW * L);
    // Thread 0 sums straight into dw; the others into their own partial, added at the end.
    float* d = t == 0 ? dw : partBuf.get(OC * K);
    parts[t] = d;
    for (long n = n0; n < n1; n++) {
      const float* src = x + n * img;
      if (!direct) im2col(g, src, col);
      const float* cb = direct ? src : col;
      for (long gr = 0; gr < G; gr++)
        sgemm(false, true, OCg, K, L, go + n * OC * L + gr * OCg * L, L, cb + gr * K * L, L, d + gr * OCg * K, K, n == n0 ? 0.0f : 1.0f, gemmThreads);
    }
  });
  for (int t = 1; t < nt; t++)
    for (long i = 0; i < OC * K; i++) dw[i] += parts[t][i];
  return nullptr;
}

void set_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

}  // namespace

void register_conv(napi_env env, napi_value exports) {
  set_fn(env, exports, "conv2dForward", ConvForward);
  set_fn(env, exports, "convTranspose2dForward", ConvTransposeForward);
  set_fn(env, exports, "conv2dWeightGrad", ConvWeightGrad);
}

}  // namespace kestrel
