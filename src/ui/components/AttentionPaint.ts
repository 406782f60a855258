/**
 * Painting attention for the explorer's maps: the colour scale, token labels, and `Raster`, a
 * 1-pixel-per-cell canvas of one layer/head that draws only the rows it has not drawn yet.
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

/** One layer/head as a 1-pixel-per-cell canvas that only ever paints rows it has not painted. */
export class Raster {
  readonly canvas = document.createElement('canvas');
  private ctx = this.canvas.getContext('2d')!;
  private positions?: PositionTrace[];
  private key = '';
  drawn = 0;

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
    if (N > this.canvas.width) {
      // Grow by doubling: resizing clears the canvas, so it happens log(N) times, not per row.
      let cap = Math.max(64, this.canvas.width);
      while (cap < N) cap *= 2;
      this.canvas.width = this.canvas.height = cap;
      this.drawn = 0;
    }
    if (this.drawn >= N) return N;
    const img = this.ctx.createImageData(N, N - this.drawn);
    for (let i = this.drawn; i < N; i++) {
      const r = rowWeights(positions[i], i, layer, head, NH);
      if (!r) continue;
      for (let k = 0; k < r.w.length; k++) {
        const j = r.start + k;
        const o = ((i - this.drawn) * N + j) * 4;
        const [R, G, B] = weightRgb(r.w[k]!);
        img.data[o] = R;
        img.data[o + 1] = G;
        img.data[o + 2] = B;
        img.data[o + 3] = 255;
      }
    }
    this.ctx.putImageData(img, 0, this.drawn);
    this.drawn = N;
    return N;
  }
}
