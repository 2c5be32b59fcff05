import { describe, expect, it } from 'vitest';
import { TestClock } from '../core/clock.js';
import { throttled } from './throttled.js';

describe('throttled', () => {
  it('lets one call through per interval and tells the next one how many were held back', () => {
    const clock = new TestClock(0);
    const reported: Array<[number, string]> = [];
    const report = throttled(
      10_000,
      () => clock.now(),
      (heldBack, what: string) => reported.push([heldBack, what]),
    );
    report('first');
    report('held');
    clock.advance(9_999);
    report('held');
    clock.advance(1);
    report('second');
    report('held');
    expect(reported).toEqual([
      [0, 'first'],
      [2, 'second'],
    ]);
  });
});
