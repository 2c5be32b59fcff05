import { describe, expect, it } from 'vitest';
import { decide, fixedWindow } from './rate-window.js';

describe('fixedWindow', () => {
  it('numbers windows from the epoch and resets at the end of the current one', () => {
    expect(fixedWindow(0, 1000)).toEqual({ sequence: 0, start: 0, reset: 1000 });
    expect(fixedWindow(999, 1000)).toEqual({ sequence: 0, start: 0, reset: 1000 });
    expect(fixedWindow(1000, 1000)).toEqual({ sequence: 1, start: 1000, reset: 2000 });
    expect(fixedWindow(125_000, 60_000)).toEqual({ sequence: 2, start: 120_000, reset: 180_000 });
  });
});

describe('decide', () => {
  it('adds the floored, overlap-weighted previous count', () => {
    // 30% into the window: 70% of 10 = 7 from before, + 2 now + 1 cost = 10 -> fits exactly.
    expect(decide({ current: 2, previous: 10 }, 10, 1, 3000, 10_000)).toEqual({ success: true, remaining: 0, reset: 10_000 });
    expect(decide({ current: 3, previous: 10 }, 10, 1, 3000, 10_000)).toEqual({ success: false, remaining: 0, reset: 10_000 });
    // 35% in: 6.5 floors to 6.
    expect(decide({ current: 0, previous: 10 }, 10, 1, 3500, 10_000)).toEqual({ success: true, remaining: 3, reset: 10_000 });
  });

  it('passes a zero-cost check at the limit, denies at limit 0', () => {
    expect(decide({ current: 5, previous: 0 }, 5, 0, 0, 1000).success).toBe(true);
    expect(decide({ current: 0, previous: 0 }, 0, 0, 0, 1000)).toEqual({ success: false, remaining: 0, reset: 1000 });
  });

  it('a 0 ms duration (upstream accepts it on verify) counts as a 1 ms window: finite numbers, never NaN', () => {
    expect(fixedWindow(1234, 0)).toEqual({ sequence: 1234, start: 1234, reset: 1235 });
    expect(decide({ current: 0, previous: 0 }, 1, 1, 1234, 0)).toEqual({ success: true, remaining: 0, reset: 1235 });
    expect(decide({ current: 1, previous: 0 }, 1, 1, 1234, 0)).toEqual({ success: false, remaining: 0, reset: 1235 });
  });
});
