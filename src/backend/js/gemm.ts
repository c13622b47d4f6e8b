// Reference GEMM: C = op(A) · op(B) + beta · C, row-major, with optional transposes.
// Simple and exact (accumulates in double); the fast backends replace it. Loop orders keep
// the innermost loop on contiguous memory for each transpose case.

import type { TypedArray } from "../../tensor/dtype.js";

/**
 * op(A) is M×K and op(B) is K×N. A is stored M×K (or K×M when transA), B is K×N (or N×K when
 * transB), C is M×N; all dense row-major starting at the given offsets.
 */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: TypedArray, aOff: number, B: TypedArray, bOff: number,
  C: TypedArray, cOff: number, beta = 0,
): void {
  if (transB) {
    // C[i][j] = Σ_k op(A)[i][k] · B[j][k]: a dot product of contiguous rows of B.
    const a = new Float64Array(K);
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) a[k] = transA ? A[aOff + k * M + i] : A[aOff + i * K + k];
      for (let j = 0; j < N; j++) {
        const b0 = bOff + j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[k] * B[b0 + k];
        const c = cOff + i * N + j;
        C[c] = beta === 0 ? s : s + beta * C[c];
      }
    }
    return;
  }
  // C[i][:] += op(A)[i][k] · B[k][:]: accumulate contiguous rows of B into a double row.
  const row = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    if (beta === 0) row.fill(0);
    else for (let j = 0; j < N; j++) row[j] = beta * C[cOff + i * N + j];
    for (let k = 0; k < K; k++) {
      const a = transA ? A[aOff + k * M + i] : A[aOff + i * K + k];
      const b0 = bOff + k * N;
      for (let j = 0; j < N; j++) row[j] += a * B[b0 + j];
    }
    const c0 = cOff + i * N;
    for (let j = 0; j < N; j++) C[c0 + j] = row[j];
  }
}
