import { type ReactNode, useEffect, useRef } from 'react';
import { ErrorMessage } from './ErrorMessage';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy: boolean;
  /** Shown inside the dialog: a refusal (delete protection, say) is read where the operator is looking. */
  error: unknown;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * A modal confirmation on the browser's own <dialog>: showModal() makes the rest of the page inert, keeps focus inside
 * and closes on Escape, which a hand-made overlay would have to rebuild. Focus starts on Cancel, the harmless choice.
 */
export function ConfirmDialog({ title, children, confirmLabel, busy, error, onConfirm, onCancel }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    cancel.current?.focus();
    return () => element.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      {children}
      <ErrorMessage error={error} />
      <div className="actions">
        <button ref={cancel} type="button" className="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
