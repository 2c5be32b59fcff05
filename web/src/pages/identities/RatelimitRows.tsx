import { useEffect, useRef, useState } from 'react';
import type { RatelimitInput } from '../../api/identities';
import type { Ratelimit } from '../../api/keys';
import { Field } from '../../components/Field';
import { RowButton } from '../../components/RowButton';
import { msToSeconds, secondsToMs, wholeNumber } from '../form-numbers';

/** One limit as typed: text until sent, so a half-typed number stays as the operator left it. */
export interface LimitRow {
  /** React's key for the row: stays with it when an earlier row is removed. */
  key: number;
  name: string;
  limit: string;
  seconds: string;
  autoApply: boolean;
}

let rowsMade = 0;

/** A new row, empty or holding a limit the server answered. */
export const limitRow = (from?: Ratelimit): LimitRow => ({
  key: ++rowsMade,
  name: from?.name ?? '',
  limit: from ? String(from.limit) : '',
  seconds: from ? msToSeconds(from.duration) : '',
  autoApply: from?.autoApply ?? false,
});

/**
 * The rows as the API takes them; a message naming the row instead when one cannot be sent as it is. Ranges (a limit of
 * at least 1, the longest window) are left to the server, whose refusal names the field.
 */
export function parseLimitRows(rows: LimitRow[]): RatelimitInput[] | string {
  const limits: RatelimitInput[] = [];
  for (const [index, row] of rows.entries()) {
    const which = `Rate limit ${index + 1}`;
    if (!row.name.trim() || !row.limit.trim() || !row.seconds.trim()) return `${which} needs a name, a number of requests and a duration.`;
    const limit = wholeNumber(row.limit);
    if (Number.isNaN(limit)) return `${which}: requests must be a whole number.`;
    const duration = secondsToMs(row.seconds);
    if (Number.isNaN(duration)) return `${which}: the duration must be a number of seconds (up to three decimals).`;
    limits.push({ name: row.name.trim(), limit, duration, autoApply: row.autoApply });
  }
  return limits;
}

/**
 * An identity's or a key's limits as editable rows, each a labelled group; a new row takes focus, and after a removal focus goes to
 * the add button, so a keyboard user is never left on nothing.
 */
export function RatelimitRows({ rows, onChange }: { rows: LimitRow[]; onChange(rows: LimitRow[]): void }) {
  const container = useRef<HTMLDivElement>(null);
  const add = useRef<HTMLButtonElement>(null);
  const [focus, setFocus] = useState<'last-row' | 'add' | undefined>();
  useEffect(() => {
    if (focus === 'last-row') container.current?.querySelector<HTMLInputElement>('fieldset:last-of-type input')?.focus();
    if (focus === 'add') add.current?.focus();
    setFocus(undefined);
  }, [focus]);
  const change = (key: number, field: Partial<LimitRow>) => onChange(rows.map((row) => (row.key === key ? { ...row, ...field } : row)));

  return (
    <div ref={container} className="limit-rows">
      {rows.map((row, index) => (
        <fieldset key={row.key}>
          <legend>Rate limit {index + 1}</legend>
          <div className="field-row">
            <Field
              label="Limit name"
              minLength={3}
              maxLength={128}
              value={row.name}
              onChange={(e) => change(row.key, { name: e.target.value })}
            />
            <Field label="Requests" inputMode="numeric" value={row.limit} onChange={(e) => change(row.key, { limit: e.target.value })} />
            <Field
              label="Per seconds"
              inputMode="decimal"
              value={row.seconds}
              onChange={(e) => change(row.key, { seconds: e.target.value })}
            />
          </div>
          <div className="check">
            <input
              id={`limit-${row.key}-auto`}
              type="checkbox"
              checked={row.autoApply}
              onChange={(e) => change(row.key, { autoApply: e.target.checked })}
            />
            <label htmlFor={`limit-${row.key}-auto`}>Apply on every verification</label>
          </div>
          <RowButton
            label={`Remove rate limit ${index + 1}`}
            onClick={() => {
              onChange(rows.filter((other) => other.key !== row.key));
              setFocus('add');
            }}
          >
            Remove
          </RowButton>
        </fieldset>
      ))}
      <button
        ref={add}
        type="button"
        className="secondary"
        onClick={() => {
          onChange([...rows, limitRow()]);
          setFocus('last-row');
        }}
      >
        Add a rate limit
      </button>
    </div>
  );
}
