// Direct convolution vectorised along OUTPUT CHANNELS, for small feature maps (AVX-512 only).
//
// conv_avx512.cc's kernel vectorises along output positions in the padded planes' row pitch,
// so it also computes the pad columns (ow ≥ oW) and drops them: (Wp − oW) / Wp of its work,
// 11% on 16×16 maps and 20% on 8×8. Here a register block is RP output positions × NV·16
// output channels, positions numbered over the output itself (no pad columns): per reduction
// step k = (c, ki, kj) it loads NV weight vectors (weights packed [K][OCb]) and broadcasts
// RP input values, one per position, read at that position's plane address + off[k]. Each
// position's address is its own pointer, so tiles may cross rows. Blocks of 64 channels use
// 6 positions × 4 vectors (24 accumulators), a last block of 32 uses 8 × 2 (see
// oc_conv_suits). The block goes to a [RP][OCb] buffer and is transposed into the [OC][L]
// output (bias initialises the accumulators).
#include <immintrin.h>
#include <algorithm>
#include <vector>
#include "kestrel.h"
#include "conv_direct.h"

namespace kestrel {
namespace {

thread_local Scratch ocPad;
Scratch ocPack;  // packed weights (filled by the calling thread before the parallel region)

template <int RP, int NV>
void ocKernel(long K, const float* __restrict W, const int32_t* __restrict off, const float* const* xq, const float* bias,
              float* __restrict tmp) {
  __m512 c[RP][NV];
  const float* p[RP];
  for (int r = 0; r < RP; r++) p[r] = xq[r];
  for (int v = 0; v < NV; v++) {
    const __m512 b = bias ? _mm512_loadu_ps(bias + 16 * v) : _mm512_setzero_ps();
    for (int r = 0; r < RP; r++) c[r][v] = b;
  }
  for (long k = 0; k < K; k++, W += 16 * NV) {
    const long o = off[k];
    __m512 w[NV];
    for (int v = 0; v < NV; v++) w[v] = _mm512_loadu_ps(W + 16 * v);
#pragma GCC unroll 24
    for (int r = 0; r < RP; r++) {
      const __m512 a = _mm512_set1_ps(p[r][o]);
      for (int v = 0; v < NV; v++) c[r][v] = _mm512_fmadd_ps(a, w[v], c[r][v]);
    }
  }
#pragma GCC unroll 24
  for (int r = 0; r < RP; r++)
    for (int v = 0; v < NV; v++) _mm512_storeu_ps(tmp + r * 16 * NV + 16 * v, c[r][v]);
}

using OcFn = void (*)(long, const float*, const int32_t*, const float* const*, const float*, float*);
// By vectors per block (2 or 4 with OC % 32 == 0): positions per block.
constexpr OcFn ocKernels[5] = {nullptr, nullptr, ocKernel<8, 2>, nullptr, ocKernel<6, 4>};
constexpr int ocPositions[5] = {0, 0, 8, 0, 6};

}  // namespace

bool oc_conv_suits(const DirectConv& d) {
  // Worth it where the pad columns cost most. Measured on one Zen 4 thread at b128, forward
  // here vs the position kernel: 64→64 8×8 96 vs 78–86 GFLOP/s, 32→32 16×16 95 vs 85–90.
  // (A 32-channel block of 12 positions was slower: 12 pointers exceed the free registers;
  // 8 positions × 2 vectors is used instead.)
  return d.OC % 32 == 0 && d.oW <= 16 && d.C * d.kH * d.kW >= 64;
}

void direct_conv_oc_avx512(const DirectConv& d, long N, const float* x, float* out) {
  const PhasePlanes P(d);
  const long C = d.C, OC = d.OC, K = C * d.kH * d.kW, L = d.oH * d.oW, Wp = P.Wp;
  // Channel blocks of up to 64 (4 vectors); weights packed per block as [K][OCb].
  std::vector<long> blocks;
  for (long o0 = 0; o0 < OC; o0 += 64) blocks.push_back(o0);
  float* Wk = ocPack.get(OC * K);
  pack_weight_panels(d, 64, Wk);
  const std::vector<int32_t> off = P.tapOffsets();
  const long img = C * d.H * d.W;
  auto run = [&](long n) {
    float* xp = ocPad.get(P.size());
    P.fill(x + n * img, xp, false);
    float* o = out + n * OC * L;
    alignas(64) float tmp[24 * 16];
    const float* xq[24];
    for (long o0 : blocks) {
      const long ob = std::min<long>(64, OC - o0);
      const int nv = (int)(ob / 16), rp = ocPositions[nv];
      for (long l0 = 0; l0 < L; l0 += rp) {
        const long np = std::min<long>(rp, L - l0);
        // Each position's plane address; a short last tile repeats its last position.
        for (long r = 0; r < rp; r++) {
          const long l = l0 + std::min<long>(r, np - 1), oh = l / d.oW, ow = l - oh * d.oW;
          xq[r] = xp + oh * Wp + ow;
        }
        ocKernels[nv](K, Wk + o0 * K, off.data(), xq, d.bias ? d.bias + o0 : nullptr, tmp);
        transpose_rows_avx512(tmp, ob, (int)np, ob, o + o0 * L + l0, L);
      }
    }
  };
  if (N <= 1 || num_threads() <= 1 || 2.0 * OC * K * L < 1e6) for (long n = 0; n < N; n++) run(n);
  else parallel_for((int)N, [&](int n) { run(n); });
}

}  // namespace kestrel
