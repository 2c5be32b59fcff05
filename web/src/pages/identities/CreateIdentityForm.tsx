import { type FormEvent, useState } from 'react';
import { identities } from '../../api/identities';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { parseJsonObject } from '../json-object';
import { MetaField } from './MetaField';
import { type LimitRow, parseLimitRows, RatelimitRows } from './RatelimitRows';

/** identities.createIdentity's form: external id, meta, limits; checked before sending, emptied once created. */
export function CreateIdentityForm({ onCreated }: { onCreated(): void }) {
  const [externalId, setExternalId] = useState('');
  const [meta, setMeta] = useState('');
  const [rows, setRows] = useState<LimitRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setCreated(undefined);
    const body: Parameters<typeof identities.create>[0] = { externalId: externalId.trim() };
    if (meta.trim()) {
      const parsed = parseJsonObject(meta);
      if (typeof parsed === 'string') return setError(new Error(parsed));
      body.meta = parsed;
    }
    const limits = parseLimitRows(rows);
    if (typeof limits === 'string') return setError(new Error(limits));
    if (limits.length > 0) body.ratelimits = limits;
    setBusy(true);
    try {
      await identities.create(body);
      setExternalId('');
      setMeta('');
      setRows([]);
      setCreated(`Created identity ${body.externalId}.`);
      onCreated();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <Field
        label="External id"
        required
        maxLength={255}
        hint="Your id for the owner: a user, a team, an e-mail address. Keys created with it share its limits."
        value={externalId}
        onChange={(e) => setExternalId(e.target.value)}
      />
      <MetaField
        value={meta}
        onChange={setMeta}
        hint="Optional; returned with the identity when its keys are verified. Checked before sending."
      />
      <RatelimitRows rows={rows} onChange={setRows} />
      <ErrorMessage error={error} />
      {created && (
        <p className="success" role="status">
          {created}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create identity'}
      </button>
    </form>
  );
}
