// The direct stride-1 convolution (conv_avx512.cc): what conv.cc hands it.
#pragma once
#include <functional>

namespace kestrel {

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
