import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { creditsLevel } from './credits-low.js';

describe('creditsLevel', () => {
  it('counts the thresholds of use reached, exactly at each boundary', () => {
    const thresholds = [50, 80, 100];
    expect([10, 6, 5, 3, 2, 1, 0].map((remaining) => creditsLevel(thresholds, 10, remaining))).toEqual([0, 0, 1, 1, 2, 2, 3]);
    // 80% of 5 is 4 used: reached at 1 left, not before (no rounding).
    expect(creditsLevel(thresholds, 5, 2)).toBe(1);
    expect(creditsLevel(thresholds, 5, 1)).toBe(2);
    // More credits than the base (topped up above a refill amount): nothing used.
    expect(creditsLevel(thresholds, 10, 15)).toBe(0);
    expect(creditsLevel([], 10, 0)).toBe(0);
  });
});

describe('KEYWARD_ALERT_CREDITS_THRESHOLDS', () => {
  it('defaults to 50, 80 and 100; takes ascending percentages or off', () => {
    expect(loadConfig({}).alertCreditsThresholds).toEqual([50, 80, 100]);
    expect(loadConfig({ KEYWARD_ALERT_CREDITS_THRESHOLDS: ' 90, 99 ' }).alertCreditsThresholds).toEqual([90, 99]);
    expect(loadConfig({ KEYWARD_ALERT_CREDITS_THRESHOLDS: 'off' }).alertCreditsThresholds).toEqual([]);
  });

  it('refuses anything else, naming the setting', () => {
    for (const value of ['80,50', '0', '101', '50,50', 'half', '50,,80', Array.from({ length: 21 }, (_, i) => i + 1).join(',')]) {
      expect(() => loadConfig({ KEYWARD_ALERT_CREDITS_THRESHOLDS: value })).toThrow(/KEYWARD_ALERT_CREDITS_THRESHOLDS must be/);
    }
  });
});
