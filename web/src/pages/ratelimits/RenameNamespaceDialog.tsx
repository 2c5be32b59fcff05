import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type Namespace, ratelimits } from '../../api/ratelimits';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

/**
 * Renames a namespace in a modal <dialog> (as ConfirmDialog: inert page, focus kept inside, Escape cancels), with the
 * new name's field focused and Enter submitting. It warns why a rename is not cosmetic: services still calling
 * ratelimit.limit with the old name start a new namespace (src/http/routes/ratelimit-namespaces/rename-namespace.ts).
 */
export function RenameNamespaceDialog({ namespace, onRenamed, onCancel }: { namespace: Namespace; onRenamed(): void; onCancel(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(namespace.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    element.querySelector('input')?.select();
    return () => element.close();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await ratelimits.rename(namespace.id, name.trim());
      onRenamed();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      aria-labelledby="rename-title"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <h2 id="rename-title">Rename namespace {namespace.name}</h2>
      <p className="notice">
        Its overrides and counters stay with it. Services that still call ratelimit.limit with the old name start a new, empty namespace
        under that name: change them too.
      </p>
      <form onSubmit={submit}>
        <Field label="New name" required maxLength={512} value={name} onChange={(e) => setName(e.target.value)} />
        <ErrorMessage error={error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Renaming…' : 'Rename'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
