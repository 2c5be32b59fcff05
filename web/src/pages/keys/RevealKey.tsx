import { useEffect, useState } from 'react';
import { type Key, keys } from '../../api/keys';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { IssuedKeyDialog } from '../../components/IssuedKeyDialog';

type Step = { kind: 'idle' } | { kind: 'confirming'; error?: unknown } | { kind: 'shown'; plaintext: string } | { kind: 'not-recoverable' };

/**
 * "Reveal key" for a recoverable key: keys.getKey with `decrypt`, after a confirmation, since the server records every
 * read of a plaintext (`key.decrypt`, src/services/keys/recoverable.ts). Offered only when the key's API stores keys
 * encrypted, as no other key can be recoverable. The plaintext lives only in this component's state while its dialog is
 * open and is dropped when it closes: never in a URL or web storage. A server that cannot decrypt says why in the dialog.
 */
export function RevealKey({ keyData, apiId }: { keyData: Key; apiId: string }) {
  const [offered, setOffered] = useState(false);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let current = true;
    keys.storesEncryptedKeys(apiId).then(
      (stores) => current && setOffered(stores),
      // Without the API's settings there is nothing to offer: a key page stays usable for everything else.
      () => current && setOffered(false),
    );
    return () => {
      current = false;
    };
  }, [apiId]);
  if (!offered) return null;

  const reveal = async () => {
    setBusy(true);
    try {
      const plaintext = await keys.reveal(keyData.keyId);
      setStep(plaintext === undefined ? { kind: 'not-recoverable' } : { kind: 'shown', plaintext });
    } catch (error) {
      setStep({ kind: 'confirming', error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="key-reveal">
      <h2 id="key-reveal">Reveal key</h2>
      <p>This API stores its recoverable keys encrypted: the key itself can be read back.</p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => setStep({ kind: 'confirming' })}>
          Reveal key
        </button>
      </div>
      {step.kind === 'not-recoverable' && (
        <p className="empty" role="status">
          This key was not created recoverable: Keyward holds only its hash.
        </p>
      )}
      {step.kind === 'confirming' && (
        <ConfirmDialog
          title="Reveal this key?"
          confirmLabel="Reveal key"
          busy={busy}
          error={step.error}
          onConfirm={() => void reveal()}
          onCancel={() => setStep({ kind: 'idle' })}
        >
          <p>This read is recorded in the audit log, with you as its actor.</p>
        </ConfirmDialog>
      )}
      {step.kind === 'shown' && (
        <IssuedKeyDialog
          title="The key"
          issued={{ keyId: keyData.keyId, key: step.plaintext }}
          notice={<strong>This read is recorded in the audit log. Copy the key now; closing this forgets it.</strong>}
          closeLabel="Close"
          onClose={() => setStep({ kind: 'idle' })}
        />
      )}
    </section>
  );
}
