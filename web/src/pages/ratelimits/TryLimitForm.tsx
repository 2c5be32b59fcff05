import { type FormEvent, useState } from 'react';
import { type LimitAnswer, ratelimits } from '../../api/ratelimits';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { secondsToMs, wholeNumber } from '../form-numbers';

const at = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/**
 * Calls ratelimit.limit as a service would and shows the answer. It is the real operation, not a simulation: a cost of
 * 1 or more is taken from the identifier's allowance, which the page says before the operator sends it.
 */
export function TryLimitForm({ namespaceId }: { namespaceId: string }) {
  const [identifier, setIdentifier] = useState('');
  const [limit, setLimit] = useState('');
  const [seconds, setSeconds] = useState('');
  const [cost, setCost] = useState('1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [answer, setAnswer] = useState<LimitAnswer>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const count = wholeNumber(limit);
    const duration = secondsToMs(seconds);
    const spend = wholeNumber(cost);
    if (Number.isNaN(count) || Number.isNaN(spend)) return setError(new Error('The limit and the cost must be whole numbers.'));
    if (Number.isNaN(duration)) return setError(new Error('The duration must be a number of seconds (up to three decimals).'));
    setBusy(true);
    try {
      setAnswer(await ratelimits.limit(namespaceId, { identifier: identifier.trim(), limit: count, duration, cost: spend }));
    } catch (failure) {
      setAnswer(undefined);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form aria-labelledby="try-limit" onSubmit={submit}>
      <h2 id="try-limit">Try it</h2>
      <p className="notice">
        <strong>This counts against the real limit.</strong> It calls ratelimit.limit exactly as your service does: the cost is taken from
        the identifier's allowance, and its callers see less remaining. A cost of 0 checks without counting.
      </p>
      <div className="field-row">
        <Field label="Identifier" required maxLength={512} value={identifier} onChange={(e) => setIdentifier(e.target.value)} />
        <Field label="Limit" required inputMode="numeric" value={limit} onChange={(e) => setLimit(e.target.value)} />
        <Field label="Per seconds" required inputMode="decimal" value={seconds} onChange={(e) => setSeconds(e.target.value)} />
        <Field label="Cost" required inputMode="numeric" value={cost} onChange={(e) => setCost(e.target.value)} />
      </div>
      <FormFooter error={error} busy={busy} submitLabel="Check and count" busyLabel="Checking…" />
      {/* A live region that is always there, so the answer that fills it is read out. */}
      <section aria-label="Answer" aria-live="polite">
        {answer && (
          <dl className="details">
            <dt>Outcome</dt>
            <dd>{answer.success ? 'Allowed' : 'Refused: the limit is reached'}</dd>
            <dt>Limit applied</dt>
            <dd>{answer.limit.toLocaleString()}</dd>
            <dt>Remaining</dt>
            <dd>{answer.remaining.toLocaleString()}</dd>
            <dt>Resets at</dt>
            <dd>
              <time dateTime={new Date(answer.reset).toISOString()}>{at.format(answer.reset)}</time>
            </dd>
            <dt>Override used</dt>
            <dd>{answer.overrideId ? <code>{answer.overrideId}</code> : 'None (the limit sent applied)'}</dd>
          </dl>
        )}
      </section>
    </form>
  );
}
