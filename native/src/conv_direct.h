// The direct stride-1 convolution (conv_avx512.cc): what conv.cc hands it.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <functional>

namespace kestrel {

namespace {
/**
 * A kernel's scratch buffer, kept between calls (one per thread via thread_local) and only
 * grown, so convolutions never fault in fresh pages per call. In an unnamed namespace: each
 * translation unit (generic and AVX-512 builds) gets its own copy, so no code compiled with
 * AVX-512 flags can be picked by the linker for the generic path.
 */
struct Scratch {
  float* p = nullptr;
  size_t n = 0;
  float* get(size_t need) {
    if (need > n) {
      std::free(p);
      n = need;
      p = static_cast<float*>(std::aligned_alloc(64, (need * sizeof(float) + 63) / 64 * 64));
    }
    return p;
  }
};
}  // namespace

struct DirectConv {
  long C, H, W;         // input channels and spatial size
  long kH, kW, pH, pW, dH, dW;
  long oH, oW, OC;      // output (stride 1: oH = H + 2pH − dH(kH−1))
  const float* bias;    // [OC] or null
  // Weight of output channel oc at reduction index k = (c·kH + ki)·kW + kj.
  std::function<float(long oc, long k)> weight;
};

/** out[N][OC][oH][oW] = conv(x[N][C][H][W]) (+ bias); AVX-512 only. */
void direct_conv_avx512(const DirectConv& d, long N, const float* x, float* out);

/** dw[OC][C][kH][kW] = Σₙ g[n] ⋆ x[n] (the weight gradient of the same geometry); AVX-512 only. */
void direct_weight_grad_avx512(const DirectConv& d, long N, const float* x, const float* g, float* dw);

}  // namespace kestrel
