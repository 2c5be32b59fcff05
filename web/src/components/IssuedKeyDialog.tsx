import { type ReactNode, useEffect, useRef } from 'react';
import type { IssuedKey } from '../api/keys';
import { CopyButton } from './CopyButton';

/**
 * The plaintext of a new key, shown the one time the server sends it (keys.createKey, keys.rerollKey): Keyward keeps only
 * its hash. The parent holds the key only while this dialog is open and drops it in onClose, so nothing keeps it after.
 */
export function IssuedKeyDialog({
  title,
  issued,
  onClose,
  ifLost = 'if it is lost, reroll the key',
  notice,
  closeLabel = 'I have saved it, close',
  labels = { value: 'Key', id: 'Key id', copy: 'Copy key' },
}: {
  title: string;
  issued: IssuedKey;
  onClose(): void;
  /** What to do if the key is lost, after "Keyward stores only its hash;" (a root key cannot be rerolled). */
  ifLost?: string;
  /** Replaces the "shown once" notice, for a plaintext read back from the vault (pages/keys/RevealKey.tsx). */
  notice?: ReactNode;
  closeLabel?: string;
  /** What the value and its id are called, for a secret that is not a key (a webhook endpoint's signing secret). */
  labels?: { value: string; id: string; copy: string };
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    return () => element.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="issued-key-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id="issued-key-title">{title}</h2>
      <p className="notice">
        {notice ?? (
          <>
            <strong>Copy this key now: it will not be shown again.</strong> Keyward stores only its hash; {ifLost}.
          </>
        )}
      </p>
      <p>
        <label htmlFor="issued-key-value">{labels.value}</label>
        <input id="issued-key-value" className="issued-key" readOnly value={issued.key} onFocus={(event) => event.target.select()} />
      </p>
      <p>
        {labels.id}: <code>{issued.keyId}</code>
      </p>
      <div className="actions">
        <CopyButton text={issued.key} label={labels.copy} />
        <button type="button" onClick={onClose}>
          {closeLabel}
        </button>
      </div>
    </dialog>
  );
}
