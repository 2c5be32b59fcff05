import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import type { KeyListQuery, Store } from '../store.js';
import { insertApi, insertWorkspace, keyRow } from '../suite/fixtures.js';
import { inOrder } from './key-list.js';
import type { KeyColumnValues } from './key-rows.js';
import { openSqlStore } from './sql-store.js';

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

/** Microseconds of CPU per page over 10 reads of the same page. */
async function pageCost(store: Store, query: KeyListQuery): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < 10; i++) {
    if ((await store.listKeys(query)).length !== query.limit) throw new Error('a page came back short');
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 10;
}

describe('listKeyPage on an analyzed SQLite store, one API of 10,000 keys (docs/decisions/0041)', () => {
  it('reads the first page (no cursor) from the index in id order, as every later page, not by sorting every key of the API', async () => {
    // Planned without a cursor, SQLite judged keys_api useless for `api_id = ?` (every key is the API's) and scanned the
    // whole table, joined each row and sorted them all for a page of 100: about 6x a later page's cost at 5,000 keys, 20x at 20,000.
    const { url, drop } = await freshDatabase('sqlite');
    let store = await openSqlStore(url);
    try {
      const workspaceId = await insertWorkspace(store);
      const { id: apiId } = await insertApi(store, workspaceId);
      const ids: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        const row = keyRow(workspaceId, apiId);
        ids.push(row.id);
        await store.insertKey(row);
      }
      ids.sort();
      await store.close();
      const raw = new Database(url);
      raw.exec('ANALYZE');
      raw.close();
      store = await openSqlStore(url);

      // The fastest of alternating rounds, so that other work on the machine weighs on both alike.
      let first = Number.POSITIVE_INFINITY;
      let later = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 8; round++) {
        first = Math.min(first, await pageCost(store, { workspaceId, apiId, limit: 100 }));
        later = Math.min(later, await pageCost(store, { workspaceId, apiId, limit: 100, cursor: ids[4_999]! }));
      }
      expect(first, `${first.toFixed(0)} us for the first page, ${later.toFixed(0)} for a later one`).toBeLessThan(later * 2);
    } finally {
      await store.close();
      await drop();
    }
  }, 60_000);
});
