import { useId } from 'react';

/** An identity's meta as JSON text, checked before sending (json-object.ts). */
export function MetaField({ value, onChange, hint }: { value: string; onChange(value: string): void; hint: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Meta (JSON object)</label>
      <textarea id={id} aria-describedby={`${id}-hint`} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} />
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
    </div>
  );
}
