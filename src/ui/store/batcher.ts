/**
 * Batches high-rate events (tokens, step metrics) into one store update per animation frame, or
 * every 250 ms while the tab is hidden (browsers pause animation frames there, and training goes on).
 */
export function frameBatcher<T>(apply: (batch: T[]) => void): { push(x: T): void; flush(): void } {
  let pending: T[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    apply(batch);
  };
  return {
    push(x) {
      pending.push(x);
      if (scheduled) return;
      scheduled = true;
      if (document.hidden) setTimeout(flush, 250);
      else requestAnimationFrame(flush);
    },
    flush,
  };
}
