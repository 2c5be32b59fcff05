import { useId, useState } from 'react';
import { type IssuedKey, keys, type NewKey, type Refill } from '../api/keys';
import { ExpiresField } from '../components/ExpiresField';
import { Field } from '../components/Field';
import { FormFooter } from '../components/FormFooter';
import { wholeNumber } from './form-numbers';
import { useFormSubmit } from './form-submit';
import { MetaField } from './identities/MetaField';
import { parseJsonObject } from './json-object';
import { RefillFields, type RefillState } from './keys/RefillFields';

/**
 * The form's fields as typed, turned into keys.createKey's body; a message instead when something cannot be sent as it
 * is (meta that is not a JSON object, a half-filled rate limit), so nothing leaves the browser that the operator did not mean.
 */
export function buildNewKey(apiId: string, form: FormState): NewKey | string {
  const body: NewKey = { apiId, enabled: form.enabled };
  if (form.name.trim()) body.name = form.name.trim();
  if (form.prefix.trim()) body.prefix = form.prefix.trim();
  if (form.externalId.trim()) body.externalId = form.externalId.trim();
  if (form.expires) {
    const at = new Date(form.expires).getTime();
    if (!Number.isFinite(at)) return 'Expiry is not a date and time.';
    body.expires = at;
  }
  if (form.remaining.trim()) {
    const remaining = wholeNumber(form.remaining);
    if (Number.isNaN(remaining)) return 'Credits remaining must be a whole number.';
    body.credits = { remaining };
    if (form.refillAmount.trim()) {
      const amount = wholeNumber(form.refillAmount);
      if (Number.isNaN(amount) || amount < 1) return 'Refill amount must be a whole number of at least 1.';
      body.credits.refill = { interval: form.refillInterval, amount };
      if (form.refillInterval === 'monthly') {
        const day = wholeNumber(form.refillDay);
        if (Number.isNaN(day) || day < 1 || day > 31) return 'Refill day must be a day of the month, 1 to 31.';
        body.credits.refill.refillDay = day;
      }
    }
  } else if (form.refillAmount.trim()) return 'A refill needs credits remaining.';
  const limitParts = [form.limitName.trim(), form.limit.trim(), form.limitSeconds.trim()];
  if (limitParts.some(Boolean)) {
    if (!limitParts.every(Boolean)) return 'A rate limit needs a name, a limit and a duration.';
    const limit = wholeNumber(form.limit);
    const seconds = wholeNumber(form.limitSeconds);
    if (Number.isNaN(limit) || Number.isNaN(seconds)) return 'Rate limit and duration must be whole numbers.';
    body.ratelimits = [{ name: form.limitName.trim(), limit, duration: seconds * 1000 }];
  }
  if (form.meta.trim()) {
    const meta = parseJsonObject(form.meta);
    if (typeof meta === 'string') return meta;
    body.meta = meta;
  }
  return body;
}

export interface FormState extends RefillState<Refill['interval']> {
  name: string;
  prefix: string;
  externalId: string;
  expires: string;
  remaining: string;
  limitName: string;
  limit: string;
  limitSeconds: string;
  meta: string;
  enabled: boolean;
}

const EMPTY: FormState = {
  name: '',
  prefix: '',
  externalId: '',
  expires: '',
  remaining: '',
  refillAmount: '',
  refillInterval: 'monthly',
  refillDay: '1',
  limitName: '',
  limit: '',
  limitSeconds: '',
  meta: '',
  enabled: true,
};

/** keys.createKey's form; the created key goes to onCreated (which shows it once) and the form empties. */
export function CreateKeyForm({ apiId, onCreated }: { apiId: string; onCreated(issued: IssuedKey): void }) {
  const [form, setForm] = useState<FormState>(EMPTY);
  const ids = useId();
  const set = <K extends keyof FormState>(field: K, value: FormState[K]) => setForm((current) => ({ ...current, [field]: value }));

  // No sentence of its own: the new key's dialog says it all.
  const submit = useFormSubmit(async () => {
    const body = buildNewKey(apiId, form);
    if (typeof body === 'string') throw new Error(body);
    const issued = await keys.create(body);
    setForm(EMPTY);
    onCreated(issued);
    return undefined;
  });

  return (
    <form onSubmit={submit.onSubmit} noValidate={false}>
      <div className="field-row">
        <Field label="Key name" maxLength={255} value={form.name} onChange={(e) => set('name', e.target.value)} />
        <Field
          label="Prefix"
          maxLength={16}
          pattern="[a-zA-Z0-9_]+"
          hint="Letters, digits and _; empty: the API's default."
          value={form.prefix}
          onChange={(e) => set('prefix', e.target.value)}
        />
        <Field
          label="Identity external id"
          maxLength={255}
          hint="Your id for the owner (user, team); empty: none."
          value={form.externalId}
          onChange={(e) => set('externalId', e.target.value)}
        />
        <ExpiresField value={form.expires} onChange={(expires) => set('expires', expires)} />
      </div>
      <fieldset>
        <legend>Credits</legend>
        <div className="field-row">
          <Field
            label="Credits remaining"
            inputMode="numeric"
            hint="Empty: unlimited."
            value={form.remaining}
            onChange={(e) => set('remaining', e.target.value)}
          />
          <RefillFields
            value={form}
            onChange={(change) => setForm((current) => ({ ...current, ...change }))}
            intervals={['daily', 'monthly']}
            amountHint="Empty: no refill."
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Rate limit (optional)</legend>
        <div className="field-row">
          <Field label="Limit name" maxLength={128} value={form.limitName} onChange={(e) => set('limitName', e.target.value)} />
          <Field label="Requests" inputMode="numeric" value={form.limit} onChange={(e) => set('limit', e.target.value)} />
          <Field label="Per seconds" inputMode="numeric" value={form.limitSeconds} onChange={(e) => set('limitSeconds', e.target.value)} />
        </div>
      </fieldset>
      <MetaField value={form.meta} onChange={(meta) => set('meta', meta)} hint="Returned on every verification; checked before sending." />
      <div className="check">
        <input id={`${ids}-enabled`} type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        <label htmlFor={`${ids}-enabled`}>Enabled</label>
      </div>
      <FormFooter error={submit.error} busy={submit.busy} submitLabel="Create key" />
    </form>
  );
}
