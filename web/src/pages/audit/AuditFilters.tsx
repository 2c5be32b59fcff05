import { type FormEvent, useId, useState } from 'react';
import type { AuditFilter } from '../../api/audit';
import { FilterActions } from '../../components/FilterActions';
import { KNOWN_EVENTS } from './events';

/** The form's fields as typed: text, and times as the datetime-local inputs hold them (local time, no zone). */
interface Draft {
  actorId: string;
  event: string;
  resourceId: string;
  from: string;
  to: string;
}

const EMPTY: Draft = { actorId: '', event: '', resourceId: '', from: '', to: '' };

/**
 * A datetime-local value (to the second: the inputs' step is 1 s) as Unix ms. `end` reads it as the last millisecond of
 * that second, so "to 10:15:30" includes a record at 10:15:30.400: records are stored to the millisecond.
 */
export function localTimeMs(value: string, end: boolean): number | undefined {
  if (!value) return undefined;
  const start = new Date(value).getTime();
  if (Number.isNaN(start)) return undefined;
  return end ? start + 999 : start;
}

/** The filter the API is asked for: blank fields are left out; the server checks the rest and says what it refuses. */
export function filterOf(draft: Draft): AuditFilter {
  const filter: AuditFilter = {};
  if (draft.actorId.trim()) filter.actorId = draft.actorId.trim();
  if (draft.event.trim()) filter.events = [draft.event.trim()];
  if (draft.resourceId.trim()) filter.resourceId = draft.resourceId.trim();
  const since = localTimeMs(draft.from, false);
  const until = localTimeMs(draft.to, true);
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  return filter;
}

/** The filters, applied together when the form is submitted (not on each keystroke: every change is a request). */
export function AuditFilters({ onApply }: { onApply(filter: AuditFilter): void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const id = useId();
  const field = (name: keyof Draft) => ({
    id: `${id}-${name}`,
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft((current) => ({ ...current, [name]: event.target.value })),
  });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    onApply(filterOf(draft));
  };

  return (
    <form onSubmit={apply} aria-label="Audit log filters">
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-actorId`}>Actor id</label>
          <input {...field('actorId')} aria-describedby={`${id}-actor-hint`} autoComplete="off" />
          <p className="hint" id={`${id}-actor-hint`}>
            A root key (<code>rk_…</code>), an operator (<code>op_…</code>) or a system task.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-event`}>Event</label>
          <input {...field('event')} list={`${id}-events`} aria-describedby={`${id}-event-hint`} autoComplete="off" />
          <datalist id={`${id}-events`}>
            {KNOWN_EVENTS.map((event) => (
              <option key={event} value={event} />
            ))}
          </datalist>
          <p className="hint" id={`${id}-event-hint`}>
            Such as <code>key.create</code>; suggestions as you type.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-resourceId`}>Resource id</label>
          <input {...field('resourceId')} aria-describedby={`${id}-resource-hint`} autoComplete="off" />
          <p className="hint" id={`${id}-resource-hint`}>
            Any id the record touched: <code>api_…</code>, <code>key_…</code>, …
          </p>
        </div>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input {...field('from')} type="datetime-local" step={1} aria-describedby={`${id}-time-hint`} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To</label>
          <input {...field('to')} type="datetime-local" step={1} aria-describedby={`${id}-time-hint`} />
        </div>
      </div>
      <p className="hint" id={`${id}-time-hint`}>
        In your local time, to the second; both ends are included.
      </p>
      <FilterActions
        onClear={() => {
          setDraft(EMPTY);
          onApply({});
        }}
      />
    </form>
  );
}
