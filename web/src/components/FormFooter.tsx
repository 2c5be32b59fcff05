import { ErrorMessage } from './ErrorMessage';

/**
 * A form's last lines: why the server refused it (an alert), what it just did (`done`, a status message screen readers
 * announce), and its submit button, disabled and saying `busyLabel` while the form is on its way (or while `disabled`:
 * what the form needs has not loaded yet).
 */
export function FormFooter({
  error,
  done,
  busy,
  submitLabel,
  busyLabel = 'Creating…',
  disabled = false,
}: {
  error: unknown;
  done?: string;
  busy: boolean;
  submitLabel: string;
  busyLabel?: string;
  disabled?: boolean;
}) {
  return (
    <>
      <ErrorMessage error={error} />
      {done && (
        <p className="success" role="status">
          {done}
        </p>
      )}
      <button type="submit" disabled={busy || disabled}>
        {busy ? busyLabel : submitLabel}
      </button>
    </>
  );
}
