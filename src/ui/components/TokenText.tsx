/**
 * The prompt and output as tokens, each tinted by how much the selected token attends to it (in the
 * explorer's layer and head). Hovering a token selects it.
 */
import { useStore } from '../store';
import { rowWeights } from './AttentionPaint';

export function TokenText() {
  const attention = useStore((s) => s.attention);
  const view = useStore((s) => s.view);
  const selectedPos = useStore((s) => s.selectedPos);
  const NH = useStore((s) => s.model?.n_head ?? 1);
  const { selectPosition: select } = useStore.getState();
  const N = attention.positions.length;
  const sel = selectedPos ?? N - 1;
  const row = rowWeights(attention.positions[sel], sel, view.layer, view.head, NH);
  return (
    <span data-testid="token-text" data-selected={sel}>
      {attention.texts.map((t, j) => {
        const w = row && j >= row.start && j <= sel ? row.w[j - row.start]! : 0;
        return (
          <span
            key={j}
            data-pos={j}
            onMouseEnter={() => j < N && select(j)}
            className={`${j < attention.promptLength ? 'text-zinc-400' : ''} ${j === sel ? 'outline outline-1 outline-sky-400' : ''}`}
            style={w > 0.005 ? { backgroundColor: `rgba(245, 158, 11, ${(0.15 + 0.7 * Math.sqrt(w)).toFixed(2)})` } : undefined}
          >
            {t}
          </span>
        );
      })}
    </span>
  );
}
