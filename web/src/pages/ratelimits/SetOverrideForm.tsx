import { useState } from 'react';
import { ratelimits } from '../../api/ratelimits';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { secondsToMs, wholeNumber } from '../form-numbers';
import { useFormSubmit } from '../form-submit';

/** ratelimit.setOverride's form: an identifier or pattern, its limit and window; the same identifier again replaces it. */
export function SetOverrideForm({ namespaceId, onSaved }: { namespaceId: string; onSaved(): void }) {
  const [identifier, setIdentifier] = useState('');
  const [limit, setLimit] = useState('');
  const [seconds, setSeconds] = useState('');
  const submit = useFormSubmit(async () => {
    const count = wholeNumber(limit);
    const duration = secondsToMs(seconds);
    if (Number.isNaN(count)) throw new Error('The limit must be a whole number (0 blocks every matching identifier).');
    if (Number.isNaN(duration)) throw new Error('The duration must be a number of seconds (up to three decimals).');
    await ratelimits.setOverride(namespaceId, { identifier: identifier.trim(), limit: count, duration });
    setIdentifier('');
    setLimit('');
    setSeconds('');
    onSaved();
    return 'Override saved.';
  });

  return (
    <form aria-labelledby="set-override" onSubmit={submit.onSubmit}>
      <h2 id="set-override">Set an override</h2>
      <p className="hint">
        An override replaces the limit and window that callers send for matching identifiers. Setting an identifier that already has one
        replaces it.
      </p>
      <div className="field-row">
        <Field
          label="Identifier"
          required
          maxLength={512}
          hint="Exact, or a pattern: * matches any run of characters (premium_*)."
          value={identifier}
          onChange={(e) => setIdentifier(e.target.value)}
        />
        <Field label="Limit" required inputMode="numeric" hint="0 blocks them." value={limit} onChange={(e) => setLimit(e.target.value)} />
        <Field
          label="Per seconds"
          required
          inputMode="decimal"
          hint="1 s to 30 days."
          value={seconds}
          onChange={(e) => setSeconds(e.target.value)}
        />
      </div>
      <FormFooter error={submit.error} done={submit.done} busy={submit.busy} submitLabel="Set override" busyLabel="Saving…" />
    </form>
  );
}
