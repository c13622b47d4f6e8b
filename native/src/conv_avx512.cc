// Direct (implicit-GEMM) convolution for AVX-512, compiled with its own -m flags and called
// only when CPUID says so. No im2col: each image is copied once into zero-padded planes, and
// output positions are numbered in the planes' row pitch, q = oh·Wp + ow, so the input patch
// element (c, ki, kj) of 16 consecutive q is ONE unaligned vector load at xp + q + off[k].
// Stride s > 1 uses the polyphase split: plane (a, b) of channel c holds padded input rows
// s·i + a and columns s·j + b, so tap (ki, kj) of output (oh, ow) is element
// (oh + ki·dH / sH, ow + kj·dW / sW) of phase (ki·dH mod sH, kj·dW mod sW): contiguous in ow
// again, and the same kernel runs unchanged. The microkernel is an 8×48 register block
// (24 zmm accumulators: 8 output channels × 48 positions) over the whole reduction
// K = C·kH·kW, weights packed once per call into [K][8] panels; 8 divides the channel counts
// networks use (16, 32, 64, ...), and the last position tile is 16, 32 or 48 wide, so little
// is computed and dropped. Positions with ow ≥ oW (the pad columns) are computed and dropped.
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

template <int MR, int NV>
void kernel(long K, const float* __restrict A, const int32_t* __restrict off, const float* __restrict xq, float* __restrict tmp) {
  __m512 c[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) c[i][v] = _mm512_setzero_ps();
  for (long k = 0; k < K; k++, A += MR) {
    const float* p = xq + off[k];
    __m512 b[NV];
    for (int v = 0; v < NV; v++) b[v] = _mm512_loadu_ps(p + 16 * v);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(A[i]);
      for (int v = 0; v < NV; v++) c[i][v] = _mm512_fmadd_ps(a, b[v], c[i][v]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) _mm512_store_ps(tmp + i * 48 + 16 * v, c[i][v]);
}

using KernelFn = void (*)(long, const float*, const int32_t*, const float*, float*);
template <int NV>
constexpr KernelFn kernelRow[9] = {nullptr, kernel<1, NV>, kernel<2, NV>, kernel<3, NV>, kernel<4, NV>,
                                   kernel<5, NV>, kernel<6, NV>, kernel<7, NV>, kernel<8, NV>};
const KernelFn* const kernels[4] = {nullptr, kernelRow<1>, kernelRow<2>, kernelRow<3>};

constexpr int MR = 8, NR = 48;

/** dst[0..n) = src[0..n) + b, 16 lanes at a time with a masked tail (rows here are short, so
 * this beats memcpy's call and a scalar loop: both showed up at ~8% of a 16-channel conv). */
inline void copyRow(float* dst, const float* src, long n, float b) {
  const __m512 bv = _mm512_set1_ps(b);
  for (long e = 0; e < n; e += 16) {
    const __mmask16 m = n - e >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - e)) - 1);
    _mm512_mask_storeu_ps(dst + e, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + e), bv));
  }
}

}  // namespace

/**
 * dst[j·dstPitch + r] = src[r·srcPitch + j] for r < rows (≤ 16), j < n: `rows` strided rows
 * become n columns of `rows` floats (packing g into [L][mr] panels and images into channels-
 * last planes). 16 columns at a time through a 16×16 register transpose (unpack 32-bit,
 * unpack 64-bit, two 128-bit lane shuffles): ~4 shuffles per 16 floats instead of one scalar
 * store per float.
 */
void transpose_rows_avx512(const float* src, long srcPitch, int rows, long n, float* dst, long dstPitch) {
  const __mmask16 rowMask = (__mmask16)((1u << rows) - 1);
  for (long j0 = 0; j0 < n; j0 += 16) {
    const long nc = std::min<long>(16, n - j0);
    const __mmask16 colMask = nc == 16 ? (__mmask16)0xffff : (__mmask16)((1u << nc) - 1);
    __m512 r[16], a[16], b[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(colMask, src + i * srcPitch + j0) : _mm512_setzero_ps();
    for (int k = 0; k < 8; k++) {
      a[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
      a[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    // b[4k + m], 128-bit lane l: column 4l + m of rows 4k..4k+3.
    for (int k = 0; k < 4; k++) {
      const __m512d a0 = _mm512_castps_pd(a[4 * k]), a1 = _mm512_castps_pd(a[4 * k + 1]);
      const __m512d a2 = _mm512_castps_pd(a[4 * k + 2]), a3 = _mm512_castps_pd(a[4 * k + 3]);
      b[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
      b[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
      b[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
      b[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    for (int m = 0; m < 4; m++) {
      const __m512 c0 = _mm512_shuffle_f32x4(b[m], b[4 + m], 0x44), c1 = _mm512_shuffle_f32x4(b[m], b[4 + m], 0xEE);
      const __m512 c2 = _mm512_shuffle_f32x4(b[8 + m], b[12 + m], 0x44), c3 = _mm512_shuffle_f32x4(b[8 + m], b[12 + m], 0xEE);
      const __m512 col[4] = {_mm512_shuffle_f32x4(c0, c2, 0x88), _mm512_shuffle_f32x4(c0, c2, 0xDD),
                             _mm512_shuffle_f32x4(c1, c3, 0x88), _mm512_shuffle_f32x4(c1, c3, 0xDD)};
      for (int l = 0; l < 4; l++) {
        const long j = 4 * l + m;
        if (j < nc) _mm512_mask_storeu_ps(dst + (j0 + j) * dstPitch, rowMask, col[l]);
      }
    }
  }
}

PhasePlanes::PhasePlanes(const DirectConv& d) : d(d) {
  Hp = d.oH + (d.kH - 1) * d.dH / d.sH;
  Wp = d.oW + (d.kW - 1) * d.dW / d.sW;
  plane = Hp * Wp;
  // Only the phases some tap reads (a 1×1 stride-2 conv reads one of four).
  std::vector<int> used(d.sH * d.sW, 0);
  for (long ki = 0; ki < d.kH; ki++)
    for (long kj = 0; kj < d.kW; kj++) used[(ki * d.dH % d.sH) * d.sW + kj * d.dW % d.sW] = 1;
  index.assign(d.sH * d.sW, -1);
  for (long p = 0; p < d.sH * d.sW; p++)
    if (used[p]) { index[p] = (int)phases.size(); phases.push_back((int)p); }
}

std::vector<int32_t> PhasePlanes::tapOffsets() const {
  std::vector<int32_t> off(d.C * d.kH * d.kW);
  for (long c = 0, k = 0; c < d.C; c++)
    for (long ki = 0; ki < d.kH; ki++)
      for (long kj = 0; kj < d.kW; kj++, k++) off[k] = (int32_t)offset(c, ki, kj, false);
  return off;
}

void pack_weight_panels(const DirectConv& d, long panel, float* dst) {
  const long K = d.C * d.kH * d.kW;
  for (long o0 = 0; o0 < d.OC; o0 += panel) {
    const long w = std::min<long>(panel, d.OC - o0);
    float* p = dst + o0 * K;
    for (long k = 0; k < K; k++)
      for (long i = 0; i < w; i++) p[k * w + i] = d.weight(o0 + i, k);
  }
}

long PhasePlanes::offset(long c, long ki, long kj, bool channelsLast) const {
  const long r = ki * d.dH, s = kj * d.dW;
  const long ph = index[(r % d.sH) * d.sW + s % d.sW];
  const long pos = (r / d.sH) * Wp + s / d.sW;
  return channelsLast ? ph * plane * d.C + pos * d.C + c : (ph * d.C + c) * plane + pos;
}

void PhasePlanes::fill(const float* src, float* xp, bool channelsLast) const {
  const long C = d.C, H = d.H, W = d.W;
  const auto zero = [](float* p, long n) { if (n > 0) std::memset(p, 0, n * sizeof(float)); };
  const long planes = (long)phases.size() * C * plane;
  zero(xp + planes, size() - planes);  // the slack read past the last position
  for (size_t pi = 0; pi < phases.size(); pi++) {
    const long a = phases[pi] / d.sW, b = phases[pi] % d.sW;
    // Plane rows i and columns j whose input pixel h = sH·i + a − pH, w = sW·j + b − pW exists.
    const auto lo = [](long pad, long ph, long s) { return pad - ph > 0 ? (pad - ph + s - 1) / s : 0L; };
    const auto hi = [](long n, long pad, long ph, long s, long lim) {
      const long last = n - 1 + pad - ph;
      return last < 0 ? 0L : std::min(lim, last / s + 1);
    };
    long i0 = lo(d.pH, a, d.sH), i1 = hi(H, d.pH, a, d.sH, Hp);
    const long j0 = lo(d.pW, b, d.sW), j1 = hi(W, d.pW, b, d.sW, Wp);
    if (j1 <= j0 || i1 <= i0) i0 = i1 = 0;  // nothing to copy: all padding
    // Zero only what the copy below leaves: rows outside [i0, i1), columns outside [j0, j1).
    if (channelsLast) {
      float* ph = xp + pi * plane * C;
      zero(ph, i0 * Wp * C);
      zero(ph + i1 * Wp * C, (Hp - i1) * Wp * C);
      for (long i = i0; i < i1; i++) {
        zero(ph + i * Wp * C, j0 * C);
        zero(ph + (i * Wp + j1) * C, (Wp - j1) * C);
      }
    } else {
      for (long c = 0; c < C; c++) {
        float* pl = xp + (pi * C + c) * plane;
        zero(pl, i0 * Wp);
        zero(pl + i1 * Wp, (Hp - i1) * Wp);
        for (long i = i0; i < i1; i++) {
          for (long j = 0; j < j0; j++) pl[i * Wp + j] = 0.0f;
          for (long j = j1; j < Wp; j++) pl[i * Wp + j] = 0.0f;
        }
      }
    }
    if (i1 <= i0) continue;
    for (long i = i0; i < i1; i++) {
      const long h = d.sH * i + a - d.pH, w0 = d.sW * j0 + b - d.pW;
      if (channelsLast) {
        // Channel by channel: contiguous reads (reading the C channels of one pixel instead
        // strides by whole planes, and those addresses share L1 sets).
        float* dst = xp + (pi * plane + i * Wp) * C;
        if (d.sW == 1 && C % 16 == 0) {
          for (long c = 0; c < C; c += 16) transpose_rows_avx512(src + (c * H + h) * W + w0, H * W, 16, j1 - j0, dst + j0 * C + c, C);
          continue;
        }
        for (long c = 0; c < C; c++) {
          const float* s = src + (c * H + h) * W + w0;
          for (long j = j0; j < j1; j++) dst[j * C + c] = s[(j - j0) * d.sW];
        }
      } else {
        for (long c = 0; c < C; c++) {
          float* dst = xp + (pi * C + c) * plane + i * Wp;
          const float* s = src + (c * H + h) * W + w0;
          if (d.sW == 1) copyRow(dst + j0, s, j1 - j0, 0.0f);
          else for (long j = j0; j < j1; j++) dst[j] = s[(j - j0) * d.sW];
        }
      }
    }
  }
}

void direct_conv_avx512(const DirectConv& d, long N, const float* x, float* out) {
  if (oc_conv_suits(d)) { direct_conv_oc_avx512(d, N, x, out); return; }
  const PhasePlanes P(d);
  const long C = d.C, Wp = P.Wp;
  const long K = C * d.kH * d.kW, OC = d.OC, L = d.oH * d.oW, Q = d.oH * Wp;
  const long nT = (Q + NR - 1) / NR, nP = (OC + MR - 1) / MR;
  // Pack the weights: panel p holds rows [8p, 8p + mr) as [K][mr].
  float* Ap = wPack.get(std::max<long>(1, OC * K));
  pack_weight_panels(d, MR, Ap);
  const std::vector<int32_t> off = P.tapOffsets();
  const long img = C * d.H * d.W;
  // Few images: split each image's output channels too, so both threads have work.
  const int nt = num_threads();
  const long groups = N >= 2 * nt ? 1 : std::min<long>(nP, 2 * nt);
  auto run = [&](long item) {
    const long n = item / groups, gi = item % groups;
    const long p0 = nP * gi / groups, p1 = nP * (gi + 1) / groups;
    float* xp = padBuf.get(P.size());
    P.fill(x + n * img, xp, false);
    alignas(64) float tmp[MR * NR];
    float* o = out + n * OC * L;
    for (long p = p0; p < p1; p++) {
      const long o0 = p * MR, mr = std::min<long>(MR, OC - o0);
      for (long t = 0; t < nT; t++) {
        const long q0 = t * NR, nv = std::min<long>(3, (Q - q0 + 15) / 16);
        kernels[nv][mr](K, Ap + o0 * K, off.data(), xp + q0, tmp);
        // Keep the positions inside the output (ow < oW, q < Q), row segment by row segment.
        for (long q = q0, qe = std::min(q0 + NR, Q); q < qe;) {
          const long oh = q / Wp, ow = q - oh * Wp;
          if (ow >= d.oW) { q += Wp - ow; continue; }
          const long len = std::min(d.oW - ow, qe - q), j = q - q0, l = oh * d.oW + ow;
          for (long i = 0; i < mr; i++) copyRow(o + (o0 + i) * L + l, tmp + i * NR + j, len, d.bias ? d.bias[o0 + i] : 0.0f);
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
//
// C == 16, stride 1, dilation 1 (the "taps" use): the kW taps (ki, 0..kW−1) are kW
// consecutive positions of xT, i.e. kW consecutive 16-float vectors, so the same kernel with
// NV = kW computes a row's taps in one pass over the L positions: 8 output channels × kW
// taps = up to 24 accumulators, kW loads + 8 broadcasts per 8·kW FMAs.
// acc: the block's first row; row i is at i·C, vector v at v·vecPitch (16 for channel
// vectors, OC·C for taps).
template <int MR, int NV>
void wgKernel(const float* __restrict Ap, const float* __restrict xT, long C, long Wp, long oH, long oW, float* __restrict acc, long vecPitch) {
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
  // acc (rows of the thread's partial) += the block.
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) {
      float* p = acc + i * C + v * vecPitch;
      _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), c[i][v]));
    }
}

using WgFn = void (*)(const float*, const float*, long, long, long, long, float*, long);
template <int NV>
constexpr WgFn wgRow[13] = {nullptr, wgKernel<1, NV>, wgKernel<2, NV>, wgKernel<3, NV>, wgKernel<4, NV>, wgKernel<5, NV>, wgKernel<6, NV>,
                            wgKernel<7, NV>, wgKernel<8, NV>, wgKernel<9, NV>, wgKernel<10, NV>, wgKernel<11, NV>, wgKernel<12, NV>};
// Three vectors: at most 8 rows (24 accumulators); used only by the taps path.
constexpr WgFn wgRow3[9] = {nullptr, wgKernel<1, 3>, wgKernel<2, 3>, wgKernel<3, 3>, wgKernel<4, 3>,
                            wgKernel<5, 3>, wgKernel<6, 3>, wgKernel<7, 3>, wgKernel<8, 3>};
const WgFn* const tapsKernels[4] = {nullptr, wgRow<1>, wgRow<2>, wgRow3};

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
  const PhasePlanes P(d);
  const long C = d.C, OC = d.OC, kk = d.kH * d.kW, K = C * kk, L = d.oH * d.oW, Wp = P.Wp;
  const long img = C * d.H * d.W;
  const bool transposed = C % 16 == 0;
  const bool tapRows = C == 16 && d.sW == 1 && d.dW == 1 && d.kW <= 3;
  const long partSize = OC * K;
  const int nt = num_threads();
  const long nChunks = std::max<long>(1, std::min<long>(N, 2L * nt));
  std::vector<float> parts(nChunks * partSize, 0.0f);  // [kk][OC][C] (transposed) or [OC][K]
  const std::vector<int32_t> off = P.tapOffsets();
  auto chunk = [&](long t) {
    float* part = parts.data() + t * partSize;
    for (long n = N * t / nChunks; n < N * (t + 1) / nChunks; n++) {
      const float* src = x + n * img;
      const float* gn = g + n * OC * L;
      if (transposed) {
        float* xT = xtBuf.get(P.size());
        P.fill(src, xT, true);
        float* Ap = gBuf.get(OC * L);
        if (tapRows) {
          for (long o0 = 0; o0 < OC; o0 += 8) {
            const long mr = std::min<long>(8, OC - o0);
            float* A = Ap + o0 * L;
            transpose_rows_avx512(gn + o0 * L, L, (int)mr, L, A, mr);
            for (long ki = 0; ki < d.kH; ki++)
              tapsKernels[d.kW][mr](A, xT + P.offset(0, ki, 0, true), C, Wp, d.oH, d.oW, part + (ki * d.kW * OC + o0) * C, OC * C);
          }
          continue;
        }
        for (long o0 = 0; o0 < OC; o0 += 12) {
          const long mr = std::min<long>(12, OC - o0);
          float* A = Ap + o0 * L;
          transpose_rows_avx512(gn + o0 * L, L, (int)mr, L, A, mr);
          for (long ki = 0; ki < d.kH; ki++)
            for (long kj = 0; kj < d.kW; kj++) {
              const float* xs = xT + P.offset(0, ki, kj, true);
              float* acc = part + ((ki * d.kW + kj) * OC + o0) * C;
              long c0 = 0;
              for (; c0 + 32 <= C; c0 += 32) wgRow<2>[mr](A, xs + c0, C, Wp, d.oH, d.oW, acc + c0, 16);
              if (c0 < C) wgRow<1>[mr](A, xs + c0, C, Wp, d.oH, d.oW, acc + c0, 16);
            }
        }
      } else {
        float* xp = xtBuf.get(P.size());
        P.fill(src, xp, false);
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
