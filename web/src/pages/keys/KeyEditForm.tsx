import { useEffect, useId, useState } from 'react';
import { type Key, keys } from '../../api/keys';
import { ExpiresField } from '../../components/ExpiresField';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { useFormSubmit } from '../form-submit';
import { MetaField } from '../identities/MetaField';
import { RatelimitRows } from '../identities/RatelimitRows';
import { editStateOf, type KeyEditState, keyChange } from './key-edit';
import { RefillFields } from './RefillFields';

/**
 * keys.updateKey's form for a key's meta, expiry, identity, rate limits and refill, starting from what the server holds
 * and sending only what changed (key-edit.ts). After a save the parent reads the key again and the form starts over from it.
 */
export function KeyEditForm({ keyData, onSaved }: { keyData: Key; onSaved(): Promise<void> }) {
  const [form, setForm] = useState<KeyEditState>(() => editStateOf(keyData));
  const ids = useId();
  // The key read again (after this form's save or another section's change): the form shows what the server now holds.
  useEffect(() => setForm(editStateOf(keyData)), [keyData]);
  const set = <F extends keyof KeyEditState>(field: F, value: KeyEditState[F]) => setForm((now) => ({ ...now, [field]: value }));

  const submit = useFormSubmit(async () => {
    const change = keyChange(keyData, form);
    if (typeof change === 'string') throw new Error(change);
    if (Object.keys(change).length === 0) return 'Nothing changed.';
    await keys.update(keyData.keyId, change);
    await onSaved();
    return 'Settings saved.';
  });

  return (
    <section aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>Edit settings</h2>
      <form onSubmit={submit.onSubmit}>
        <MetaField
          value={form.meta}
          onChange={(meta) => set('meta', meta)}
          hint="Returned on every verification; replaces the whole meta; empty: none. Checked before sending."
        />
        <div className="field-row">
          <ExpiresField value={form.expires} onChange={(expires) => set('expires', expires)} />
          <Field
            label="Identity external id"
            maxLength={255}
            hint="Your id for the owner; a new one creates the identity; empty: none."
            value={form.externalId}
            onChange={(e) => set('externalId', e.target.value)}
          />
        </div>
        <fieldset>
          <legend>Refill</legend>
          <div className="field-row">
            <RefillFields
              value={form}
              onChange={(change) => setForm((now) => ({ ...now, ...change }))}
              intervals={['none', 'daily', 'monthly']}
              amountHint="What the credits are set to at each refill."
            />
          </div>
        </fieldset>
        <RatelimitRows rows={form.limits} onChange={(limits) => set('limits', limits)} />
        <FormFooter error={submit.error} done={submit.done} busy={submit.busy} submitLabel="Save settings" busyLabel="Saving…" />
      </form>
    </section>
  );
}
