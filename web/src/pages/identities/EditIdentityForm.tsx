import { type FormEvent, useState } from 'react';
import { type Identity, identities } from '../../api/identities';
import { ErrorMessage } from '../../components/ErrorMessage';
import { parseJsonObject } from '../json-object';
import { MetaField } from './MetaField';
import { type LimitRow, limitRow, parseLimitRows, RatelimitRows } from './RatelimitRows';

/** The identity's limits in the order the page lists them: by name. */
export const byName = (identity: Identity) => [...identity.ratelimits].sort((a, b) => a.name.localeCompare(b.name));

/**
 * identities.updateIdentity's form, starting from what the server holds: meta (replaced whole; empty clears it) and the
 * limits (replaced by name: a row removed here deletes that limit, a kept name keeps its id).
 */
export function EditIdentityForm({
  identity,
  onSaving,
  onSaved,
}: {
  identity: Identity;
  onSaving(): void;
  onSaved(saved: Identity): void;
}) {
  const [meta, setMeta] = useState(() =>
    identity.meta && Object.keys(identity.meta).length > 0 ? JSON.stringify(identity.meta, null, 2) : '',
  );
  const [rows, setRows] = useState<LimitRow[]>(() => byName(identity).map(limitRow));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    onSaving();
    const parsed = meta.trim() ? parseJsonObject(meta) : {};
    if (typeof parsed === 'string') return setError(new Error(parsed));
    const limits = parseLimitRows(rows);
    if (typeof limits === 'string') return setError(new Error(limits));
    setBusy(true);
    try {
      onSaved(await identities.update(identity.id, { meta: parsed, ratelimits: limits }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <MetaField value={meta} onChange={setMeta} hint="Replaces the whole meta; empty: none. Checked before sending." />
      <RatelimitRows rows={rows} onChange={setRows} />
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save changes'}
      </button>
    </form>
  );
}
