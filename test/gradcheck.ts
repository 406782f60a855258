/**
 * Finite-difference check of a reference backward pass: for a scalar L = sum(out · dout), compares
 * the analytic dL/dx against central differences (float64 throughout).
 */
import { assertClose, type Tol } from './kernel-case';

/**
 * `f(x)` returns the forward output for input x; `analytic` is dL/dx from the reference backward
 * with upstream gradient `dout`. Checks every index (inputs here are small) or `maxChecks` evenly spread.
 */
export function checkGradient(
  what: string,
  f: (x: Float64Array) => ArrayLike<number>,
  x: ArrayLike<number>,
  dout: ArrayLike<number>,
  analytic: ArrayLike<number>,
  tol: Tol = { atol: 1e-6, rtol: 1e-5 },
  h = 1e-5,
  maxChecks = 200,
): void {
  const xs = Float64Array.from(x);
  const loss = (v: Float64Array) => {
    const o = f(v);
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i]! * dout[i]!;
    return s;
  };
  const step = Math.max(1, Math.floor(xs.length / maxChecks));
  const idx: number[] = [];
  for (let i = 0; i < xs.length; i += step) idx.push(i);
  const numeric: number[] = [];
  const ana: number[] = [];
  for (const i of idx) {
    const orig = xs[i]!;
    xs[i] = orig + h;
    const lp = loss(xs);
    xs[i] = orig - h;
    const lm = loss(xs);
    xs[i] = orig;
    numeric.push((lp - lm) / (2 * h));
    ana.push(analytic[i]!);
  }
  assertClose(`${what} (finite differences at ${idx.length} indices)`, ana, numeric, tol);
}
