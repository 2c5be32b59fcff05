import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import { insertApi, insertWorkspace, keyRow } from '../suite/fixtures.js';
import { type OpenedDatabase, openDatabase } from './dialect.js';
import { inOrder, listKeyPage } from './key-list.js';
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

describe('listKeyPage on an analyzed SQLite store, one API of 10,000 keys (docs/decisions/0041)', () => {
  it('plans the first page (no cursor) as every later page: a walk of keys_api in id order, no sort of every key of the API', async () => {
    // Planned without a cursor, SQLite judged keys_api useless for `api_id = ?` (every key is the API's) and scanned the
    // whole table, joined each row and sorted them all for a page of 100: about 6x a later page's cost at 5,000 keys.
    const { url, drop } = await freshDatabase('sqlite');
    const store = await openSqlStore(url);
    let opened: OpenedDatabase | undefined;
    try {
      const workspaceId = await insertWorkspace(store);
      const { id: apiId } = await insertApi(store, workspaceId);
      for (let i = 0; i < 10_000; i++) await store.insertKey(keyRow(workspaceId, apiId));
      await store.close();
      opened = openDatabase(url);
      opened.sqlite!.exec('ANALYZE');

      // The page's statement as listKeyPage runs it (its first), then its plan on the analyzed file.
      const statements: { sql: string; parameters: readonly unknown[] }[] = [];
      const db = opened.db;
      const recording = new Proxy(db, {
        get(target, property) {
          if (property === 'executeQuery')
            return (query: { sql: string; parameters: readonly unknown[] }) => {
              statements.push(query);
              return target.executeQuery(query as never);
            };
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const page = await listKeyPage(recording, opened.dialect, { workspaceId, apiId, limit: 100 });
      expect(page).toHaveLength(100);
      const { sql, parameters } = statements[0]!;
      const plan = (opened.sqlite!.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[])
        .map((row) => row.detail)
        .join('\n');
      expect(plan).toMatch(/USING INDEX keys_api/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } finally {
      await opened?.db.destroy();
      await drop();
    }
  }, 60_000);
});
