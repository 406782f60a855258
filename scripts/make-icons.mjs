#!/usr/bin/env node
/**
 * Draws the app's icons once (committed under public/icons/; run again only to change them):
 * a causal attention map, the picture the page is about: a lower-triangular grid of cells whose
 * brightness falls off from the diagonal, on the page's zinc-950 background.
 *
 *   node scripts/make-icons.mjs
 *
 * Writes icon.svg (the favicon), icon-192.png, icon-512.png and icon-maskable-512.png (the
 * grid inside the maskable safe zone, the inner 80%). PNG by hand with node:zlib: no packages.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const OUT = new URL('../public/icons/', import.meta.url);
const BG = [9, 9, 11]; // zinc-950
const CELL = [16, 185, 129]; // emerald-500
const N = 5; // cells per side

/** Cell (q, k) of the grid, k <= q: its colour's strength: the diagonal full, the first token strong, the rest faint. */
const strength = (q, k) => (k === q ? 1 : k === 0 ? 0.7 : 0.25 + (0.25 * k) / q);

/** The grid's cells as rectangles in a unit square [0, 1]², inset by `margin`. */
function cells(margin) {
  const span = 1 - 2 * margin;
  const step = span / N;
  const gap = step * 0.12;
  const out = [];
  for (let q = 0; q < N; q++) {
    for (let k = 0; k <= q; k++) out.push({ x: margin + k * step + gap / 2, y: margin + q * step + gap / 2, w: step - gap, h: step - gap, a: strength(q, k) });
  }
  return out;
}

function svg() {
  const rects = cells(0.12)
    .map((c) => `<rect x="${(c.x * 64).toFixed(2)}" y="${(c.y * 64).toFixed(2)}" width="${(c.w * 64).toFixed(2)}" height="${(c.h * 64).toFixed(2)}" rx="1.5" fill="rgb(${CELL})" fill-opacity="${c.a.toFixed(2)}"/>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="rgb(${BG})"/>${rects}</svg>\n`;
}

/** An RGB image of `size`² pixels: the background, then the cells blended over it. */
function raster(size, margin) {
  const px = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) px.set(BG, i * 3);
  for (const c of cells(margin)) {
    const x0 = Math.round(c.x * size), y0 = Math.round(c.y * size);
    const x1 = Math.round((c.x + c.w) * size), y1 = Math.round((c.y + c.h) * size);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        for (let ch = 0; ch < 3; ch++) px[(y * size + x) * 3 + ch] = Math.round(BG[ch] + (CELL[ch] - BG[ch]) * c.a);
      }
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/** PNG (8-bit RGB, no interlace): each row is filter byte 0 and its pixels, deflated. */
function png(size, px) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) Buffer.from(px.subarray(y * size * 3, (y + 1) * size * 3)).copy(rows, y * (1 + size * 3) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

mkdirSync(OUT, { recursive: true });
writeFileSync(new URL('icon.svg', OUT), svg());
writeFileSync(new URL('icon-192.png', OUT), png(192, raster(192, 0.12)));
writeFileSync(new URL('icon-512.png', OUT), png(512, raster(512, 0.12)));
writeFileSync(new URL('icon-maskable-512.png', OUT), png(512, raster(512, 0.22)));
console.log('wrote public/icons/icon.svg, icon-192.png, icon-512.png, icon-maskable-512.png');
