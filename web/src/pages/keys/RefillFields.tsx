import { useId } from 'react';
import type { Refill } from '../../api/keys';
import { Field } from '../../components/Field';

/** 'none' is offered only where a refill can be taken away (a key's edit form); a new key without one leaves the amount empty. */
type Interval = 'none' | Refill['interval'];

export interface RefillState<I extends Interval> {
  refillInterval: I;
  refillAmount: string;
  /** Monthly refills only: the day of the month (the server takes the last day in shorter months). */
  refillDay: string;
}

const INTERVAL_LABELS: Record<Interval, string> = { none: 'No refill', daily: 'Day', monthly: 'Month' };

/**
 * A key's refill, as the create and edit forms take it: how often (`intervals`, in the order offered), the amount
 * (hidden for 'none') and, for a monthly one, the day. Its fields go into the parent's field row.
 */
export function RefillFields<I extends Interval>({
  value,
  onChange,
  intervals,
  amountHint,
}: {
  value: RefillState<I>;
  onChange(change: Partial<RefillState<I>>): void;
  intervals: readonly I[];
  amountHint: string;
}) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={id}>Refill every</label>
        <select id={id} value={value.refillInterval} onChange={(e) => onChange({ refillInterval: e.target.value as I })}>
          {intervals.map((interval) => (
            <option key={interval} value={interval}>
              {INTERVAL_LABELS[interval]}
            </option>
          ))}
        </select>
      </div>
      {value.refillInterval !== 'none' && (
        <Field
          label="Refill amount"
          inputMode="numeric"
          hint={amountHint}
          value={value.refillAmount}
          onChange={(e) => onChange({ refillAmount: e.target.value })}
        />
      )}
      {value.refillInterval === 'monthly' && (
        <Field
          label="Refill day"
          inputMode="numeric"
          hint="1 to 31; the last day in shorter months."
          value={value.refillDay}
          onChange={(e) => onChange({ refillDay: e.target.value })}
        />
      )}
    </>
  );
}
