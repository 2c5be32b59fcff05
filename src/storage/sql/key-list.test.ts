import { describe, expect, it } from 'vitest';
import { inOrder } from './key-list.js';
import type { KeyColumnValues } from './key-rows.js';

/** A page row with only its id set: inOrder reads nothing else. */
const row = (id: string) => [id, ...Array.from({ length: 24 }, () => null)] as unknown as KeyColumnValues;
const ids = (rows: KeyColumnValues[]) => rows.map((r) => r[0]);

describe('key-list.ts, inOrder: a SQLite page in ORDER BY k.id order (the bytes of the UTF-8 ids)', () => {
  it('keeps rows already in order as they are, the same array', () => {
    const rows = ['key_a', 'key_b', 'key_c'].map(row);
    expect(inOrder(rows)).toBe(rows);
    expect(inOrder([])).toEqual([]);
  });

  it('sorts rows that came out of order', () => {
    expect(ids(inOrder(['key_c', 'key_a', 'key_b'].map(row)))).toEqual(['key_a', 'key_b', 'key_c']);
  });

  it('orders by UTF-8 bytes, where they and UTF-16 disagree (U+E000 before U+10000)', () => {
    // UTF-8: EE 80 80 < F0 90 80 80; UTF-16: E000 > D800 (the first unit of U+10000's surrogate pair).
    const bytesOrder = ['key_\uE000', 'key_\u{10000}'];
    expect(ids(inOrder(bytesOrder.map(row)))).toEqual(bytesOrder);
    expect(ids(inOrder([...bytesOrder].reverse().map(row)))).toEqual(bytesOrder);
  });
});
