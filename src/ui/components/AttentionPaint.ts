/**
 * Painting attention for the explorer's maps and the training probe's: the colour scale, token
 * labels, and `Raster`, a 1-pixel-per-cell canvas of one layer/head of a trace (positions-major,
 * the API's PositionTrace) that draws only the rows it has not drawn yet.
 */
import type { PositionTrace } from '../../workers/api';
import { MEAN_HEAD } from '../store/attention';

/** Weight -> colour: sqrt scale (small weights stay visible), zinc-900 -> amber-700 -> yellow-300. */
const STOPS: [number, number, number][] = [
  [24, 24, 27],
  [180, 83, 9],
  [253, 224, 71],
];
const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i++) {
  const t = (i / 255) * 2;
  const k = Math.min(1, Math.floor(t));
  const f = t - k;
  for (let c = 0; c < 3; c++) LUT[i * 3 + c] = STOPS[k]![c]! + f * (STOPS[k + 1]![c]! - STOPS[k]![c]!);
}
export function weightRgb(w: number): [number, number, number] {
  const i = Math.round(Math.sqrt(Math.min(1, Math.max(0, w))) * 255) * 3;
  return [LUT[i]!, LUT[i + 1]!, LUT[i + 2]!];
}
/** CSS gradient of the scale, for the legend (stops at the weights 0, 0.25 and 1). */
export const LEGEND_GRADIENT = `linear-gradient(to right, rgb(${STOPS[0]!.join(',')}), rgb(${STOPS[1]!.join(',')}), rgb(${STOPS[2]!.join(',')}))`;

/** A token as an axis label: spaces as '·', newlines as '↵', tabs as '⇥'; never empty. */
export function tokenLabel(s: string): string {
  return s.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥') || '∅';
}

/**
 * Weights of query position `i` in `layer`/`head` (MEAN_HEAD: the mean over heads), over keys
 * start .. i. The window starts later than 0 once the cache has been rebuilt past the block size.
 */
export function rowWeights(t: PositionTrace | undefined, i: number, layer: number, head: number, NH: number): { start: number; w: Float32Array } | undefined {
  const att = t?.attention?.[layer];
  if (!att) return undefined;
  const n = att.length / NH;
  const start = i - n + 1;
  if (head !== MEAN_HEAD) return { start, w: att.subarray(head * n, (head + 1) * n) };
  const w = new Float32Array(n);
  for (let h = 0; h < NH; h++) for (let j = 0; j < n; j++) w[j]! += att[h * n + j]! / NH;
  return { start, w };
}

/**
 * One layer/head painted into `canvas` at one pixel per cell, only ever painting rows it has not
 * painted. The page shows that canvas itself, scaled up by CSS (pixelated), so a new token costs one
 * row of pixels, not a redraw of the whole map.
 */
export class Raster {
  private ctx: CanvasRenderingContext2D;
  private positions?: PositionTrace[];
  private key = '';
  drawn = 0;

  /**
   * `size`: pixels a side for N rows. The default, a power of two, suits a trace that grows (the
   * page clips the canvas to N rows); a trace of fixed length (the probe) can take N itself.
   */
  constructor(
    readonly canvas: HTMLCanvasElement = document.createElement('canvas'),
    private readonly size: (N: number) => number = rasterSize,
  ) {
    this.ctx = canvas.getContext('2d')!;
  }

  /** Paints the new rows of `positions` (all of them after a change of trace, layer or head). Returns the rows shown. */
  update(positions: PositionTrace[], layer: number, head: number, NH: number): number {
    const N = positions.length;
    const key = `${layer}/${head}/${NH}`;
    if (positions !== this.positions || key !== this.key || N < this.drawn) {
      this.positions = positions;
      this.key = key;
      this.drawn = 0;
      this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    }
    const size = this.size(N);
    if (this.canvas.width !== size || this.canvas.height !== size) {
      // Resizing clears the canvas; rasterSize doubles, so it happens log(N) times, not per row.
      this.canvas.width = this.canvas.height = size;
      this.drawn = 0;
    }
    if (this.drawn >= N) return N;
    const img = this.ctx.createImageData(N, N - this.drawn);
    for (let i = this.drawn; i < N; i++) {
      const r = rowWeights(positions[i], i, layer, head, NH);
      if (!r) continue;
      for (let k = 0; k < r.w.length; k++) putWeight(img.data, ((i - this.drawn) * N + r.start + k) * 4, r.w[k]!);
    }
    this.ctx.putImageData(img, 0, this.drawn);
    this.drawn = N;
    return N;
  }
}

/** Pixels a side of a Raster's canvas for N rows: a power of two, at least 64. */
export function rasterSize(N: number): number {
  return Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, N))));
}

/** Writes the colour of weight w as an opaque pixel at byte offset o of RGBA data. */
export function putWeight(data: Uint8ClampedArray, o: number, w: number): void {
  const i = Math.round(Math.sqrt(Math.min(1, Math.max(0, w))) * 255) * 3;
  data[o] = LUT[i]!;
  data[o + 1] = LUT[i + 1]!;
  data[o + 2] = LUT[i + 2]!;
  data[o + 3] = 255;
}

/**
 * An attention map max-pooled to S×S: pixel (y, x) is the largest weight of its block of (cap/S)²
 * cells. Max-pooling keeps thin patterns (a previous-token diagonal) visible where sampling would
 * drop them. cap is the positions the grid spans, a power of two from S up: when the trace outgrows
 * it, each 2×2 block of pixels pools into one (exact: a max of maxima), so the grid is S² floats at
 * any length and each row is read once.
 */
export class MaxPool {
  /** S·S weights, row-major; -1 where no cell has landed yet. */
  readonly grid: Float32Array;
  cap: number;

  constructor(readonly S: number) {
    this.grid = new Float32Array(S * S).fill(-1);
    this.cap = S;
  }

  clear(): void {
    this.grid.fill(-1);
    this.cap = this.S;
  }

  /** Adds query row i (weights w over keys start .. start + w.length - 1). */
  addRow(i: number, start: number, w: Float32Array): void {
    const S = this.S;
    while (i >= this.cap) this.halve();
    const scale = S / this.cap;
    const row = Math.floor(i * scale) * S;
    for (let k = 0; k < w.length; k++) {
      const p = row + Math.floor((start + k) * scale);
      if (w[k]! > this.grid[p]!) this.grid[p] = w[k]!;
    }
  }

  /** Pixels in use per side for N positions (the grid grows to span them). */
  used(N: number): number {
    while (N > this.cap) this.halve();
    return Math.ceil((N * this.S) / this.cap);
  }

  /** The grid now spans twice the positions: pixel (y, x) takes the max of the old 2×2 block at (2y, 2x). */
  private halve(): void {
    const S = this.S;
    const g = this.grid;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const o = 2 * y * S + 2 * x;
        g[y * S + x] = y < S / 2 && x < S / 2 ? Math.max(g[o]!, g[o + 1]!, g[o + S]!, g[o + S + 1]!) : -1;
      }
    }
    this.cap *= 2;
  }
}
