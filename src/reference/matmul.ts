/**
 * CPU references (float64) for the matmul kernel: out (M, N) = epilogue(op(A) · op(B) + bias).
 * Layouts as src/kernels/matmul.ts: 'nn' A (M, K), B (K, N); 'nt' B (N, K); 'tn' A (K, M).
 */
import { gelu } from './gelu';

export type Layout = 'nn' | 'nt' | 'tn';

export interface MatmulReferenceOptions {
  /** out = gelu_tanh(acc + bias) (clamped as src/reference/gelu.ts). */
  gelu?: boolean;
  /** Initial contents of out, (M, N): out = accumulate + result. */
  accumulate?: ArrayLike<number>;
}

export interface MatmulReferenceResult {
  out: Float64Array;
  /** acc + bias, before GELU: what the kernel stores in `preact`. */
  preact: Float64Array;
}

export function matmulReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  bias: ArrayLike<number> | null | undefined,
  M: number,
  N: number,
  K: number,
  layout: Layout = 'nn',
  opts: MatmulReferenceOptions = {},
): MatmulReferenceResult {
  const A = (m: number, k: number) => (layout === 'tn' ? a[k * M + m]! : a[m * K + k]!);
  const B = (k: number, n: number) => (layout === 'nt' ? b[n * K + k]! : b[k * N + n]!);
  const out = new Float64Array(M * N);
  const preact = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n]! : 0;
      for (let k = 0; k < K; k++) s += A(m, k) * B(k, n);
      preact[m * N + n] = s;
      const v = opts.gelu ? gelu(s) : s;
      out[m * N + n] = opts.accumulate ? opts.accumulate[m * N + n]! + v : v;
    }
  }
  return { out, preact };
}

export interface MatmulGrads {
  /** (M, K) = dout · Bᵀ */
  da: Float64Array;
  /** (K, N) = Aᵀ · dout */
  db: Float64Array;
  /** (N) = Σ over rows of dout */
  dbias: Float64Array;
}

/** Backward of out = A · B + bias ('nn'): A (M, K), B (K, N), dout (M, N). */
export function matmulBackward(dout: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number): MatmulGrads {
  const da = new Float64Array(M * K);
  const db = new Float64Array(K * N);
  const dbias = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      const d = dout[m * N + n]!;
      dbias[n]! += d;
      for (let k = 0; k < K; k++) {
        da[m * K + k]! += d * b[k * N + n]!;
        db[k * N + n]! += d * a[m * K + k]!;
      }
    }
  }
  return { da, db, dbias };
}
