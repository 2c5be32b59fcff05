import { type FormEvent, useEffect, useId, useState } from 'react';
import { type Key, keys } from '../../api/keys';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { MetaField } from '../identities/MetaField';
import { RatelimitRows } from '../identities/RatelimitRows';
import { editStateOf, type KeyEditState, keyChange } from './key-edit';

/**
 * keys.updateKey's form for a key's meta, expiry, identity, rate limits and refill, starting from what the server holds
 * and sending only what changed (key-edit.ts). After a save the parent reads the key again and the form starts over from it.
 */
export function KeyEditForm({ keyData, onSaved }: { keyData: Key; onSaved(): Promise<void> }) {
  const [form, setForm] = useState<KeyEditState>(() => editStateOf(keyData));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const ids = useId();
  // The key read again (after this form's save or another section's change): the form shows what the server now holds.
  useEffect(() => setForm(editStateOf(keyData)), [keyData]);
  const set = <F extends keyof KeyEditState>(field: F, value: KeyEditState[F]) => setForm((now) => ({ ...now, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setSaved(undefined);
    const change = keyChange(keyData, form);
    if (typeof change === 'string') return setError(new Error(change));
    if (Object.keys(change).length === 0) return setSaved('Nothing changed.');
    setBusy(true);
    try {
      await keys.update(keyData.keyId, change);
      await onSaved();
      setSaved('Settings saved.');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>Edit settings</h2>
      <form onSubmit={submit}>
        <MetaField
          value={form.meta}
          onChange={(meta) => set('meta', meta)}
          hint="Returned on every verification; replaces the whole meta; empty: none. Checked before sending."
        />
        <div className="field-row">
          <Field
            label="Expires"
            type="datetime-local"
            hint="Your local time; empty: never."
            value={form.expires}
            onChange={(e) => set('expires', e.target.value)}
          />
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
            <div className="field">
              <label htmlFor={`${ids}-interval`}>Refill every</label>
              <select
                id={`${ids}-interval`}
                value={form.refillInterval}
                onChange={(e) => set('refillInterval', e.target.value as KeyEditState['refillInterval'])}
              >
                <option value="none">No refill</option>
                <option value="daily">Day</option>
                <option value="monthly">Month</option>
              </select>
            </div>
            {form.refillInterval !== 'none' && (
              <Field
                label="Refill amount"
                inputMode="numeric"
                hint="What the credits are set to at each refill."
                value={form.refillAmount}
                onChange={(e) => set('refillAmount', e.target.value)}
              />
            )}
            {form.refillInterval === 'monthly' && (
              <Field
                label="Refill day"
                inputMode="numeric"
                hint="1 to 31; the last day in shorter months."
                value={form.refillDay}
                onChange={(e) => set('refillDay', e.target.value)}
              />
            )}
          </div>
        </fieldset>
        <RatelimitRows rows={form.limits} onChange={(limits) => set('limits', limits)} />
        <ErrorMessage error={error} />
        {saved && (
          <p className="success" role="status">
            {saved}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </form>
    </section>
  );
}
