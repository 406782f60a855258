/** A one-line progress bar on stderr: step, loss, tokens/s, ETA. Redrawn in place on a TTY. */
export class ProgressBar {
  private start = performance.now();
  private tty = process.stderr.isTTY;
  private lastPrint = 0;

  constructor(private total: number, private tokensPerStep: number) {}

  update(step: number, loss: number, lr: number): void {
    const now = performance.now();
    if (!this.tty && now - this.lastPrint < 10_000 && step !== this.total) return; // logs: every 10 s
    this.lastPrint = now;
    const elapsed = (now - this.start) / 1000;
    const tps = (step * this.tokensPerStep) / Math.max(elapsed, 1e-9);
    const eta = ((this.total - step) * elapsed) / Math.max(step, 1);
    const width = 24;
    const filled = Math.round((width * step) / this.total);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const line = `${bar} step ${step}/${this.total}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(2)}  ${Math.round(tps)} tok/s  ETA ${fmt(eta)}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Prints a message on its own line without breaking the bar. */
  log(message: string): void {
    process.stderr.write(this.tty ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}

function fmt(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
