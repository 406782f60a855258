// Turns the JSON lines of `cli train --json` ({"step","train_loss","val_loss"} per evaluation)
// into an SVG loss curve: node scripts/plot-curve.mjs run.jsonl out.svg "title" [reference-val-loss]
import { readFileSync, writeFileSync } from 'node:fs';

const [, , input, output, title = 'loss', refArg] = process.argv;
const points = readFileSync(input, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const W = 640, H = 360, L = 56, R = 16, T = 36, B = 44;
const maxStep = Math.max(...points.map((p) => p.step));
const losses = points.flatMap((p) => [p.train_loss, p.val_loss]);
const ref = refArg ? Number(refArg) : undefined;
const lo = Math.floor(Math.min(...losses, ref ?? Infinity) * 2) / 2;
const hi = Math.ceil(Math.max(...losses) * 2) / 2;
const x = (s) => L + ((W - L - R) * s) / maxStep;
const y = (v) => T + ((H - T - B) * (hi - v)) / (hi - lo);
const line = (key, color) =>
  `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${x(p.step).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ')}"/>`;
const grid = [];
for (let v = lo; v <= hi + 1e-9; v += 0.5) grid.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
const stepTick = Math.max(1, Math.round(maxStep / 8 / 100) * 100);
for (let s = 0; s <= maxStep; s += stepTick) grid.push(`<text x="${x(s)}" y="${H - B + 16}" text-anchor="middle">${s}</text>`);
const last = points.at(-1);
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>
${grid.join('\n')}
${ref !== undefined ? `<line x1="${L}" x2="${W - R}" y1="${y(ref)}" y2="${y(ref)}" stroke="#999" stroke-dasharray="4 4"/><text x="${W - R}" y="${y(ref) - 4}" text-anchor="end" fill="#666">reference ${ref}</text>` : ''}
${line('train_loss', '#2563eb')}
${line('val_loss', '#dc2626')}
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">step</text>
<text x="${L + 8}" y="${T + 14}" fill="#2563eb">train ${last.train_loss.toFixed(3)}</text>
<text x="${L + 8}" y="${T + 30}" fill="#dc2626">val ${last.val_loss.toFixed(3)}</text>
</svg>
`;
writeFileSync(output, svg);
console.log(`wrote ${output}: ${points.length} points, final val ${last.val_loss}`);
