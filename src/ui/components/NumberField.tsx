/** A labelled number input that clamps to [min, max] and ignores what is not a number. */
export function NumberField(props: { label: string; value: number; step: number; min: number; max: number; onChange: (v: number) => void; disabled?: boolean; width?: string; title?: string }) {
  return (
    <label className="flex min-w-0 items-center gap-1" title={props.title}>
      <span className="shrink-0 whitespace-nowrap text-zinc-400">{props.label}</span>
      <input
        type="number"
        aria-label={props.label}
        className={`${props.width ?? 'w-20'} min-w-0 rounded border border-zinc-700 bg-zinc-900 px-1 py-0.5 disabled:opacity-50`}
        value={props.value}
        step={props.step}
        min={props.min}
        max={props.max}
        disabled={props.disabled}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v)) props.onChange(Math.min(props.max, Math.max(props.min, v)));
        }}
      />
    </label>
  );
}
