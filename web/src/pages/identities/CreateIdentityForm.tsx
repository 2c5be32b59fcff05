import { useState } from 'react';
import { identities } from '../../api/identities';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { useFormSubmit } from '../form-submit';
import { parseJsonObject } from '../json-object';
import { MetaField } from './MetaField';
import { type LimitRow, parseLimitRows, RatelimitRows } from './RatelimitRows';

/** identities.createIdentity's form: external id, meta, limits; checked before sending, emptied once created. */
export function CreateIdentityForm({ onCreated }: { onCreated(): void }) {
  const [externalId, setExternalId] = useState('');
  const [meta, setMeta] = useState('');
  const [rows, setRows] = useState<LimitRow[]>([]);
  const form = useFormSubmit(async () => {
    const body: Parameters<typeof identities.create>[0] = { externalId: externalId.trim() };
    if (meta.trim()) {
      const parsed = parseJsonObject(meta);
      if (typeof parsed === 'string') throw new Error(parsed);
      body.meta = parsed;
    }
    const limits = parseLimitRows(rows);
    if (typeof limits === 'string') throw new Error(limits);
    if (limits.length > 0) body.ratelimits = limits;
    await identities.create(body);
    setExternalId('');
    setMeta('');
    setRows([]);
    onCreated();
    return `Created identity ${body.externalId}.`;
  });

  return (
    <form onSubmit={form.onSubmit}>
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
      <FormFooter error={form.error} done={form.done} busy={form.busy} submitLabel="Create identity" />
    </form>
  );
}
