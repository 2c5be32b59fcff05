import { Field } from './Field';

/** An expiry (keys, root keys) as a datetime-local value: the browser's local time, to the minute; empty: never. */
export function ExpiresField({ value, onChange }: { value: string; onChange(value: string): void }) {
  return (
    <Field
      label="Expires"
      type="datetime-local"
      hint="Your local time; empty: never."
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
