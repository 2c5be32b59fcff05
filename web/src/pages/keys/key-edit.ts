import type { Key, KeyChange, Refill } from '../../api/keys';
import { wholeNumber } from '../form-numbers';
import { type LimitRow, limitRow, parseLimitRows } from '../identities/RatelimitRows';
import { parseJsonObject } from '../json-object';

/** The key edit form's fields as typed: text until sent, so a half-typed value stays as the operator left it. */
export interface KeyEditState {
  meta: string;
  /** A datetime-local value (the browser's local time, to the minute); empty: never expires. */
  expires: string;
  externalId: string;
  limits: LimitRow[];
  /** 'none': no refill. */
  refillInterval: 'none' | Refill['interval'];
  refillAmount: string;
  refillDay: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Unix ms as a datetime-local value in the browser's time zone, to the minute (what the input shows and gives back). */
export function localDateTime(ms: number): string {
  const at = new Date(ms);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

const metaText = (meta: Key['meta']) => (meta && Object.keys(meta).length > 0 ? JSON.stringify(meta, null, 2) : '');

/** The key's limits in the order the page lists them: by name. */
const limitsByName = (key: Key) => [...(key.ratelimits ?? [])].sort((a, b) => a.name.localeCompare(b.name));

/** The form as the server's key fills it. */
export function editStateOf(key: Key): KeyEditState {
  const refill = key.credits?.refill;
  return {
    meta: metaText(key.meta),
    expires: key.expires === undefined ? '' : localDateTime(key.expires),
    externalId: key.identity?.externalId ?? '',
    limits: limitsByName(key).map(limitRow),
    refillInterval: refill?.interval ?? 'none',
    refillAmount: refill ? String(refill.amount) : '',
    refillDay: refill?.refillDay === undefined ? '1' : String(refill.refillDay),
  };
}

/** Limits compared as the API takes them, whatever order the rows are in. */
const sameLimits = (a: KeyChange['ratelimits'] & {}, b: KeyChange['ratelimits'] & {}) => {
  const canonical = (limits: typeof a) =>
    JSON.stringify(
      [...limits]
        .sort((x, y) => x.name.localeCompare(y.name))
        .map(({ name, limit, duration, autoApply }) => [name, limit, duration, autoApply]),
    );
  return canonical(a) === canonical(b);
};

const sameRefill = (a: Refill | null, b: Refill | undefined) =>
  (a === null && b === undefined) ||
  (a !== null && b !== undefined && a.interval === b.interval && a.amount === b.amount && a.refillDay === b.refillDay);

/** The refill as typed; a message instead when it cannot be sent as it is. */
function parseRefill(form: KeyEditState): Refill | null | string {
  if (form.refillInterval === 'none') return null;
  const amount = wholeNumber(form.refillAmount);
  if (Number.isNaN(amount) || amount < 1) return 'Refill amount must be a whole number of at least 1.';
  if (form.refillInterval === 'daily') return { interval: 'daily', amount };
  const day = wholeNumber(form.refillDay);
  if (Number.isNaN(day) || day < 1 || day > 31) return 'Refill day must be a day of the month, 1 to 31.';
  return { interval: 'monthly', amount, refillDay: day };
}

/**
 * keys.updateKey's change from the form: exactly the fields that differ from what the server holds (an untouched field
 * is left out, so the audit record names only what the operator changed, and a concurrent change elsewhere survives);
 * an empty field clears its value with null. A message instead when a field cannot be sent as it is, so nothing leaves
 * the browser that the operator did not mean. Ranges the server checks (a limit of at least 1, the longest window) are
 * left to it: its refusal names the field.
 */
export function keyChange(key: Key, form: KeyEditState): KeyChange | string {
  const change: KeyChange = {};

  const meta = form.meta.trim() ? parseJsonObject(form.meta) : null;
  if (typeof meta === 'string') return meta;
  if (JSON.stringify(meta ?? {}) !== JSON.stringify(key.meta ?? {})) change.meta = meta;

  const before = editStateOf(key);
  if (form.expires !== before.expires) {
    if (!form.expires) change.expires = null;
    else {
      const at = new Date(form.expires).getTime();
      if (!Number.isFinite(at)) return 'Expiry is not a date and time.';
      change.expires = at;
    }
  }

  const externalId = form.externalId.trim();
  if (externalId !== before.externalId) change.externalId = externalId || null;

  const limits = parseLimitRows(form.limits);
  if (typeof limits === 'string') return limits;
  if (!sameLimits(limits, limitsByName(key))) change.ratelimits = limits;

  const refill = parseRefill(form);
  if (typeof refill === 'string') return refill;
  if (!sameRefill(refill, key.credits?.refill)) change.credits = { refill };

  return change;
}
