/**
 * Lets `report` through at most once per `intervalMs`, telling it how many calls were held back since the last one:
 * for failures that repeat on every request or every tick during an outage (a Redis publish, a change-log read), so
 * an outage is a few log lines rather than one per call.
 */
export function throttled<A extends unknown[]>(
  intervalMs: number,
  now: () => number,
  report: (heldBack: number, ...args: A) => void,
): (...args: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  let heldBack = 0;
  return (...args: A) => {
    const time = now();
    if (time - last < intervalMs) {
      heldBack += 1;
      return;
    }
    last = time;
    report(heldBack, ...args);
    heldBack = 0;
  };
}
