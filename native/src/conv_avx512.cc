// Direct (implicit-GEMM) stride-1 convolution for AVX-512, compiled with its own -m flags and
// called only when CPUID says so. No im2col: each image is copied once into a zero-padded
// plane stack xpad[C][Hp][Wp], and output positions are numbered in the padded row pitch,
// q = oh·Wp + ow, so the input patch element (c, ki, kj) of 16 consecutive q is ONE unaligned
// vector load at xpad + q + off[k], off[k] = c·Hp·Wp + ki·dH·Wp + kj·dW. The microkernel is
// the GEMM's 12×32 register block (24 zmm accumulators: 12 output channels × 32 positions)
// over the whole reduction K = C·kH·kW, with the weights packed once per call into [K][12]
// panels. Positions with ow ≥ oW (the Wp − oW pad columns) are computed and dropped.
// The transposed convolution (conv2d's input gradient) with stride 1 is the same kernel on the
// flipped, channel-swapped weights with padding (k−1)·d − p.
#include <immintrin.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "kestrel.h"
#include "conv_direct.h"

namespace kestrel {
namespace {

thread_local Scratch padBuf;
Scratch wPack;  // packed weights (filled by the calling thread before the parallel region)

template <int MR>
void kernel(long K, const float* __restrict A, const int32_t* __restrict off, const float* __restrict xq, float* __restrict tmp) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) c0[i] = c1[i] = _mm512_setzero_ps();
  for (long k = 0; k < K; k++, A += MR) {
    const float* p = xq + off[k];
    const __m512 b0 = _mm512_loadu_ps(p), b1 = _mm512_loadu_ps(p + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(A[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    _mm512_store_ps(tmp + i * 32, c0[i]);
    _mm512_store_ps(tmp + i * 32 + 16, c1[i]);
  }
}

using KernelFn = void (*)(long, const float*, const int32_t*, const float*, float*);
const KernelFn kernels[13] = {nullptr, kernel<1>, kernel<2>, kernel<3>, kernel<4>, kernel<5>, kernel<6>,
                              kernel<7>, kernel<8>, kernel<9>, kernel<10>, kernel<11>, kernel<12>};

constexpr int MR = 12;

}  // namespace

void direct_conv_avx512(const DirectConv& d, long N, const float* x, float* out) {
  // The padded extent each output needs (stride 1); rows/columns past it are never read, and
  // any extra bottom/right padding (PyTorch's "same" with an even kernel) is zeros.
  const long C = d.C, Hp = d.oH + (d.kH - 1) * d.dH, Wp = d.oW + (d.kW - 1) * d.dW, plane = Hp * Wp;
  const long h0 = std::max<long>(0, -d.pH), h1 = std::min(d.H, Hp - d.pH);
  const long w0 = std::max<long>(0, -d.pW), w1 = std::min(d.W, Wp - d.pW);
  const long K = C * d.kH * d.kW, OC = d.OC, L = d.oH * d.oW, Q = d.oH * Wp;
  const long nT = (Q + 31) / 32, nP = (OC + MR - 1) / MR;
  // Pack the weights: panel p holds rows [12p, 12p + mr) as [K][mr].
  float* Ap = wPack.get(std::max<long>(1, OC * K));
  for (long p = 0; p < nP; p++) {
    const long o0 = p * MR, mr = std::min<long>(MR, OC - o0);
    float* dst = Ap + o0 * K;
    for (long k = 0; k < K; k++)
      for (long i = 0; i < mr; i++) dst[k * mr + i] = d.weight(o0 + i, k);
  }
  std::vector<int32_t> off(K);
  for (long c = 0, k = 0; c < C; c++)
    for (long ki = 0; ki < d.kH; ki++)
      for (long kj = 0; kj < d.kW; kj++, k++) off[k] = (int32_t)(c * plane + ki * d.dH * Wp + kj * d.dW);
  const long img = C * d.H * d.W;
  // Few images: split each image's output channels too, so both threads have work.
  const int nt = num_threads();
  const long groups = N >= 2 * nt ? 1 : std::min<long>(nP, 2 * nt);
  auto run = [&](long item) {
    const long n = item / groups, gi = item % groups;
    const long p0 = nP * gi / groups, p1 = nP * (gi + 1) / groups;
    // The padded copy, + slack: the last tile reads up to 31 + (kW−1)·dW < 32 + Wp floats past it.
    const long padded = C * plane + Wp + 64;
    float* xp = padBuf.get(padded);
    std::memset(xp, 0, padded * sizeof(float));
    const float* src = x + n * img;
    if (w1 > w0)
      for (long c = 0; c < C; c++)
        for (long h = h0; h < h1; h++)
          std::memcpy(xp + c * plane + (h + d.pH) * Wp + w0 + d.pW, src + (c * d.H + h) * d.W + w0, (w1 - w0) * sizeof(float));
    alignas(64) float tmp[MR * 32];
    float* o = out + n * OC * L;
    for (long p = p0; p < p1; p++) {
      const long o0 = p * MR, mr = std::min<long>(MR, OC - o0);
      const KernelFn kf = kernels[mr];
      for (long t = 0; t < nT; t++) {
        const long q0 = t * 32;
        kf(K, Ap + o0 * K, off.data(), xp + q0, tmp);
        // Keep the positions inside the output (ow < oW, q < Q), row segment by row segment.
        for (long q = q0, qe = std::min(q0 + 32, Q); q < qe;) {
          const long oh = q / Wp, ow = q - oh * Wp;
          if (ow >= d.oW) { q += Wp - ow; continue; }
          const long len = std::min(d.oW - ow, qe - q), j = q - q0, l = oh * d.oW + ow;
          for (long i = 0; i < mr; i++) {
            float* dst = o + (o0 + i) * L + l;
            const float* s = tmp + i * 32 + j;
            if (d.bias) {
              const float b = d.bias[o0 + i];
              for (long e = 0; e < len; e++) dst[e] = s[e] + b;
            } else {
              for (long e = 0; e < len; e++) dst[e] = s[e];
            }
          }
          q += len;
        }
      }
    }
  };
  const long items = N * groups;
  if (items * 2.0 * OC * K * L / (N > 0 ? N : 1) / groups < 1e6 || nt <= 1) {
    for (long i = 0; i < items; i++) run(i);
  } else {
    parallel_for((int)items, [&](int i) { run(i); });
  }
}

}  // namespace kestrel

// ---- weight gradient: dw[oc][c][ki][kj] = Σₙ Σ_(oh,ow) g[n][oc][oh][ow] · xpad[n][c][oh+ki·dH][ow+kj·dW]

namespace kestrel {
namespace {

thread_local Scratch gBuf, xtBuf;

// C a multiple of 16: the padded image transposed to xT[hp][wp][C], so 16 channels at one
// shifted position are one vector. A block of 12 output channels × 32 (or 16) input channels
// for one (ki, kj) sums over the L output positions in registers: a GEMM microkernel whose B
// rows are read straight from xT (row (oh + ki·dH)·Wp + ow + kj·dW) and whose A panel is g
// packed [L][12] once per image.
template <int MR, int NV>
void wgKernel(const float* __restrict Ap, const float* __restrict xT, long C, long Wp, long oH, long oW, float* __restrict acc) {
  __m512 c[MR][NV];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) c[i][v] = _mm512_setzero_ps();
  for (long oh = 0; oh < oH; oh++) {
    const float* b = xT + oh * Wp * C;
    for (long ow = 0; ow < oW; ow++, b += C, Ap += MR) {
      __m512 bv[NV];
      for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 12
      for (int i = 0; i < MR; i++) {
        const __m512 a = _mm512_set1_ps(Ap[i]);
        for (int v = 0; v < NV; v++) c[i][v] = _mm512_fmadd_ps(a, bv[v], c[i][v]);
      }
    }
  }
  // acc (a row of the thread's partial, pitch C) += the block.
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) {
      float* p = acc + i * C + 16 * v;
      _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), c[i][v]));
    }
}

using WgFn = void (*)(const float*, const float*, long, long, long, long, float*);
template <int NV>
constexpr WgFn wgRow[13] = {nullptr, wgKernel<1, NV>, wgKernel<2, NV>, wgKernel<3, NV>, wgKernel<4, NV>, wgKernel<5, NV>, wgKernel<6, NV>,
                            wgKernel<7, NV>, wgKernel<8, NV>, wgKernel<9, NV>, wgKernel<10, NV>, wgKernel<11, NV>, wgKernel<12, NV>};

// Any C: vectors run along the output positions q = oh·Wp + ow (g copied into that pitch with
// zeros in the pad columns), one accumulator per (output channel, k) pair of an OB×KB block,
// reduced horizontally per image. Used for few input channels (e.g. the first layer).
template <int OB, int KB>
void dotKernel(const float* __restrict gq, long gPitch, const float* __restrict xp, const int32_t* __restrict off, long nv, float* __restrict part, long K) {
  __m512 c[OB][KB];
  for (int o = 0; o < OB; o++)
    for (int j = 0; j < KB; j++) c[o][j] = _mm512_setzero_ps();
  for (long v = 0; v < nv; v++) {
    __m512 gv[OB];
    for (int o = 0; o < OB; o++) gv[o] = _mm512_load_ps(gq + o * gPitch + 16 * v);
#pragma GCC unroll 12
    for (int j = 0; j < KB; j++) {
      const __m512 xv = _mm512_loadu_ps(xp + off[j] + 16 * v);
      for (int o = 0; o < OB; o++) c[o][j] = _mm512_fmadd_ps(gv[o], xv, c[o][j]);
    }
  }
  for (int o = 0; o < OB; o++)
    for (int j = 0; j < KB; j++) part[o * K + j] += _mm512_reduce_add_ps(c[o][j]);
}

using DotFn = void (*)(const float*, long, const float*, const int32_t*, long, float*, long);
template <int OB>
constexpr DotFn dotRow[13] = {nullptr, dotKernel<OB, 1>, dotKernel<OB, 2>, dotKernel<OB, 3>, dotKernel<OB, 4>, dotKernel<OB, 5>, dotKernel<OB, 6>,
                              dotKernel<OB, 7>, dotKernel<OB, 8>, dotKernel<OB, 9>, dotKernel<OB, 10>, dotKernel<OB, 11>, dotKernel<OB, 12>};

}  // namespace

void direct_weight_grad_avx512(const DirectConv& d, long N, const float* x, const float* g, float* dw) {
  const long C = d.C, OC = d.OC, kk = d.kH * d.kW, K = C * kk, L = d.oH * d.oW;
  const long Hp = d.oH + (d.kH - 1) * d.dH, Wp = d.oW + (d.kW - 1) * d.dW, plane = Hp * Wp;
  const long h0 = std::max<long>(0, -d.pH), h1 = std::min(d.H, Hp - d.pH);
  const long w0 = std::max<long>(0, -d.pW), w1 = std::min(d.W, Wp - d.pW);
  const long img = C * d.H * d.W;
  const bool transposed = C % 16 == 0;
  const long partSize = OC * K;
  const int nt = num_threads();
  const long nChunks = std::max<long>(1, std::min<long>(N, 2L * nt));
  std::vector<float> parts(nChunks * partSize, 0.0f);  // [kk][OC][C] (transposed) or [OC][K]
  std::vector<int32_t> off(K);
  for (long c = 0, k = 0; c < C; c++)
    for (long ki = 0; ki < d.kH; ki++)
      for (long kj = 0; kj < d.kW; kj++, k++) off[k] = (int32_t)(c * plane + ki * d.dH * Wp + kj * d.dW);
  auto chunk = [&](long t) {
    float* part = parts.data() + t * partSize;
    for (long n = N * t / nChunks; n < N * (t + 1) / nChunks; n++) {
      const float* src = x + n * img;
      const float* gn = g + n * OC * L;
      if (transposed) {
        float* xT = xtBuf.get(plane * C);
        std::memset(xT, 0, plane * C * sizeof(float));
        for (long h = h0; h < h1; h++)
          for (long w = w0; w < w1; w++) {
            float* dst = xT + ((h + d.pH) * Wp + w + d.pW) * C;
            const float* s = src + h * d.W + w;
            for (long c = 0; c < C; c++) dst[c] = s[c * d.H * d.W];
          }
        float* Ap = gBuf.get(OC * L);
        for (long o0 = 0; o0 < OC; o0 += 12) {
          const long mr = std::min<long>(12, OC - o0);
          float* A = Ap + o0 * L;
          for (long l = 0; l < L; l++)
            for (long i = 0; i < mr; i++) A[l * mr + i] = gn[(o0 + i) * L + l];
          for (long ki = 0; ki < d.kH; ki++)
            for (long kj = 0; kj < d.kW; kj++) {
              const float* xs = xT + (ki * d.dH * Wp + kj * d.dW) * C;
              float* acc = part + ((ki * d.kW + kj) * OC + o0) * C;
              long c0 = 0;
              for (; c0 + 32 <= C; c0 += 32) wgRow<2>[mr](A, xs + c0, C, Wp, d.oH, d.oW, acc + c0);
              if (c0 < C) wgRow<1>[mr](A, xs + c0, C, Wp, d.oH, d.oW, acc + c0);
            }
        }
      } else {
        const long padded = C * plane + Wp + 64;
        float* xp = xtBuf.get(padded);
        std::memset(xp, 0, padded * sizeof(float));
        if (w1 > w0)
          for (long c = 0; c < C; c++)
            for (long h = h0; h < h1; h++)
              std::memcpy(xp + c * plane + (h + d.pH) * Wp + w0 + d.pW, src + (c * d.H + h) * d.W + w0, (w1 - w0) * sizeof(float));
        const long nv = (d.oH * Wp + 15) / 16, pitch = nv * 16;
        float* gq = gBuf.get(OC * pitch);
        std::memset(gq, 0, OC * pitch * sizeof(float));
        for (long o = 0; o < OC; o++)
          for (long oh = 0; oh < d.oH; oh++) std::memcpy(gq + o * pitch + oh * Wp, gn + o * L + oh * d.oW, d.oW * sizeof(float));
        for (long o0 = 0; o0 < OC; o0 += 2) {
          const int ob = (int)std::min<long>(2, OC - o0);
          for (long k0 = 0; k0 < K; k0 += 12) {
            const int kb = (int)std::min<long>(12, K - k0);
            (ob == 2 ? dotRow<2> : dotRow<1>)[kb](gq + o0 * pitch, pitch, xp, off.data() + k0, nv, part + o0 * K + k0, K);
          }
        }
      }
    }
  };
  if (nChunks <= 1 || nt <= 1 || 2.0 * OC * K * L * N < 2e6) for (long t = 0; t < nChunks; t++) chunk(t);
  else parallel_for((int)nChunks, [&](int t) { chunk(t); });
  // Sum the chunks' partials into dw [OC][C][kH][kW].
  for (long t = 1; t < nChunks; t++) {
    float* p0 = parts.data();
    const float* pt = parts.data() + t * partSize;
    for (long i = 0; i < partSize; i++) p0[i] += pt[i];
  }
  if (transposed) {
    for (long r = 0; r < kk; r++)
      for (long o = 0; o < OC; o++)
        for (long c = 0; c < C; c++) dw[(o * C + c) * kk + r] = parts[(r * OC + o) * C + c];
  } else {
    std::memcpy(dw, parts.data(), partSize * sizeof(float));
  }
}

}  // namespace kestrel
