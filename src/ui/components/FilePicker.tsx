/**
 * A button-like label around a hidden multi-file input: picks files and hands them on (the input is
 * cleared so picking the same file again fires again). `name` is the input's accessible name.
 */
export function FilePicker(props: { name: string; accept: string; disabled?: boolean; className: string; title?: string; onFiles: (files: File[]) => void; children: React.ReactNode }) {
  return (
    <label className={`cursor-pointer ${props.className} ${props.disabled ? 'pointer-events-none opacity-40' : ''}`} title={props.title}>
      {props.children}
      <input
        type="file"
        multiple
        accept={props.accept}
        aria-label={props.name}
        className="sr-only"
        disabled={props.disabled}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) props.onFiles(files);
        }}
      />
    </label>
  );
}
