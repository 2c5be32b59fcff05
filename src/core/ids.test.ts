import { describe, expect, it } from 'vitest';
import { newId, newRequestId } from './ids.js';

describe('newId', () => {
  it('is prefixed, url-safe and strictly increasing even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId('key', 1_700_000_000_000));
    expect(ids.every((id) => /^key_[0-9a-hjkmnp-tv-z]{22}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('sorts by creation time across milliseconds, and keeps increasing if the clock steps back', () => {
    const a = newId('api', 1_800_000_000_000);
    const b = newId('api', 1_800_000_000_001);
    const c = newId('api', 1_799_999_999_000);
    expect(a < b && b < c).toBe(true);
  });
});

describe('newRequestId', () => {
  it('looks like upstream: req_ and alphanumerics', () => {
    expect(newRequestId()).toMatch(/^req_[A-Za-z0-9]{12}$/);
  });
});

describe('newRequestId pool', () => {
  it('keeps ids distinct across pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(2000);
  });
});
