import { useState } from 'react';

/**
 * An action on one thing that waits for the operator's confirmation (delete an API, revoke a root key, remove an
 * operator): `ask(thing)` opens the ConfirmDialog, `confirm()` runs `act` and then `after` (a reload, mostly) and
 * closes it, and a refusal stays in the dialog (`error`), where the operator is looking, with the dialog still open.
 * `dialog` holds what ConfirmDialog takes from it.
 */
export function useConfirmedAction<T>(act: (target: T) => Promise<unknown>, after?: () => unknown) {
  const [target, setTarget] = useState<T>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const ask = (next: T) => {
    setError(undefined);
    setTarget(next);
  };
  const cancel = () => setTarget(undefined);
  const confirm = async () => {
    if (target === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await act(target);
      setTarget(undefined);
      await after?.();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return { target, ask, dialog: { busy, error, onConfirm: () => void confirm(), onCancel: cancel } };
}
