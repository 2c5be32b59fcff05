import { useId } from 'react';
import type { RootKey } from '../../api/root-keys';
import { ConfirmDialog } from '../../components/ConfirmDialog';

/**
 * How long the old secret of a rerolled root key keeps working, in milliseconds (rootKeys.rerollRootKey's expiration,
 * exact and at most 30 days): long enough to deploy the new secret where the old one is used.
 */
export const ROOT_KEY_GRACE_PERIODS = [
  { label: 'None (the old key stops at once)', ms: 0 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '24 hours', ms: 86_400_000 },
  { label: '7 days', ms: 604_800_000 },
  { label: '30 days', ms: 2_592_000_000 },
] as const;

/** The reroll confirmation: the grace period to choose, then rootKeys.rerollRootKey (run by the page's confirmed action). */
export function RerollRootKeyDialog({
  rootKey,
  grace,
  onGraceChange,
  dialog,
}: {
  rootKey: RootKey;
  grace: number;
  onGraceChange(ms: number): void;
  dialog: { busy: boolean; error: unknown; onConfirm(): void; onCancel(): void };
}) {
  const id = useId();
  const name = rootKey.name ?? rootKey.id;
  return (
    <ConfirmDialog title={`Reroll root key ${name}?`} confirmLabel="Reroll root key" {...dialog}>
      <p>
        A new secret replaces it, with the same name, permissions, expiry and environment; the new secret is shown once. The old one keeps
        working for the grace period, so you can deploy the new one first. <code>{rootKey.id}</code>
      </p>
      <div className="field">
        <label htmlFor={`${id}-grace`}>Grace period</label>
        <select id={`${id}-grace`} value={grace} disabled={dialog.busy} onChange={(e) => onGraceChange(Number(e.target.value))}>
          {ROOT_KEY_GRACE_PERIODS.map((period) => (
            <option key={period.ms} value={period.ms}>
              {period.label}
            </option>
          ))}
        </select>
      </div>
    </ConfirmDialog>
  );
}
