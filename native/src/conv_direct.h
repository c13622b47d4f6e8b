// The direct convolution (conv_avx512.cc): what conv.cc hands it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <vector>

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
  long oH, oW, OC;      // output size and channels
  const float* bias;    // [OC] or null
  // Weight of output channel oc at reduction index k = (c·kH + ki)·kW + kj.
  std::function<float(long oc, long k)> weight;
  long sH = 1, sW = 1;  // stride
};

/**
 * One image's zero-padded input split into stride phases: phase (a, b) holds padded rows
 * sH·i + a and columns sW·j + b (i < Hp, j < Wp), so every tap of output (oh, ow) is at
 * position (oh, ow) + a fixed shift of one phase. Planar layout [phase][C][Hp][Wp] or
 * channels-last [phase][Hp][Wp][C]; only the phases some tap reads are stored.
 */
struct PhasePlanes {
  const DirectConv& d;
  long Hp, Wp, plane;
  std::vector<int> phases;  // used phase ids a·sW + b, in storage order
  std::vector<int> index;   // phase id → storage index (−1: unused)
  explicit PhasePlanes(const DirectConv& d);
  /** Floats to allocate: the planes plus slack for vector reads past the last position. */
  long size() const { return (long)phases.size() * d.C * plane + Wp + 128; }
  /** Offset of tap (c, ki, kj) from output position 0. */
  long offset(long c, long ki, long kj, bool channelsLast) const;
  /** The planar offsets of every tap, in reduction order k = (c·kH + ki)·kW + kj. */
  std::vector<int32_t> tapOffsets() const;
  /** Writes the planes of one image src[C][H][W] into xp (size() floats). */
  void fill(const float* src, float* xp, bool channelsLast) const;
};

/** The weights as panels of `panel` output channels, each [K][width] at dst + o0·K (conv_avx512.cc). */
void pack_weight_panels(const DirectConv& d, long panel, float* dst);

/** dst[j·dstPitch + r] = src[r·srcPitch + j] for r < rows (≤ 16), j < n (conv_avx512.cc). */
void transpose_rows_avx512(const float* src, long srcPitch, int rows, long n, float* dst, long dstPitch);

/** Whether direct_conv_oc_avx512 (output channels in vectors, no pad columns) is the better kernel. */
bool oc_conv_suits(const DirectConv& d);
/** The same result as direct_conv_avx512, vectorised along output channels (conv_oc_avx512.cc). */
void direct_conv_oc_avx512(const DirectConv& d, long N, const float* x, float* out);

/** out[N][OC][oH][oW] = conv(x[N][C][H][W]) (+ bias); AVX-512 only. */
void direct_conv_avx512(const DirectConv& d, long N, const float* x, float* out);

/** dw[OC][C][kH][kW] = Σₙ g[n] ⋆ x[n] (the weight gradient of the same geometry); AVX-512 only. */
void direct_weight_grad_avx512(const DirectConv& d, long N, const float* x, const float* g, float* dw);

}  // namespace kestrel
