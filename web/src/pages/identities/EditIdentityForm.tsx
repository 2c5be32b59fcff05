import { useState } from 'react';
import { type Identity, identities } from '../../api/identities';
import { FormFooter } from '../../components/FormFooter';
import { useFormSubmit } from '../form-submit';
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
  // No sentence of its own: the page says "Changes saved." (it starts this form again from the saved identity).
  const form = useFormSubmit(async () => {
    onSaving();
    const parsed = meta.trim() ? parseJsonObject(meta) : {};
    if (typeof parsed === 'string') throw new Error(parsed);
    const limits = parseLimitRows(rows);
    if (typeof limits === 'string') throw new Error(limits);
    onSaved(await identities.update(identity.id, { meta: parsed, ratelimits: limits }));
    return undefined;
  });

  return (
    <form onSubmit={form.onSubmit}>
      <MetaField value={meta} onChange={setMeta} hint="Replaces the whole meta; empty: none. Checked before sending." />
      <RatelimitRows rows={rows} onChange={setRows} />
      <FormFooter error={form.error} busy={form.busy} submitLabel="Save changes" busyLabel="Saving…" />
    </form>
  );
}
