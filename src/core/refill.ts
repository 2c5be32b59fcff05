/**
 * Credit refill dates. Daily refills happen at 00:00 UTC; monthly ones on `refillDay`, or on the
 * month's last day when the month is shorter. A refill sets `remaining` to the amount; it does not add.
 */

const DAY_MS = 86_400_000;

export function startOfUtcDay(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS;
}

function daysInUtcMonth(nowMs: number): number {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

/** The `refillDay` values whose monthly refill falls on the UTC day containing `nowMs`. */
export function monthlyRefillDaysOn(nowMs: number): number[] {
  const today = new Date(nowMs).getUTCDate();
  const last = daysInUtcMonth(nowMs);
  if (today < last) return [today];
  const days: number[] = [];
  for (let day = today; day <= 31; day++) days.push(day);
  return days;
}

/** Whether a key last refilled at `lastRefillAt` is due now; `refillDay` null means daily. */
export function isRefillDue(refillDay: number | null, lastRefillAt: number | null, nowMs: number): boolean {
  if (lastRefillAt !== null && lastRefillAt >= startOfUtcDay(nowMs)) return false;
  return refillDay === null || monthlyRefillDaysOn(nowMs).includes(refillDay);
}
