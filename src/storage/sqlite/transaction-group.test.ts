import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from './open.js';
import { SqliteTransactionGroup } from './transaction-group.js';

describe('SqliteTransactionGroup (docs/decisions/0029)', () => {
  let opened: ReturnType<typeof openSqlite>;
  let group: SqliteTransactionGroup;

  beforeEach(() => {
    opened = openSqlite(':memory:');
    opened.sqlite!.exec(`CREATE TABLE parents (id TEXT PRIMARY KEY);
      CREATE TABLE children (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);`);
    group = new SqliteTransactionGroup(opened.db, opened.sqlite!);
  });
  afterEach(async () => {
    await opened.db.destroy();
  });

  const insertParent = (id: string) => (db: typeof opened.db) => sql`INSERT INTO parents (id) VALUES (${id})`.execute(db);
  const parents = () => (opened.sqlite!.prepare('SELECT id FROM parents ORDER BY id').all() as { id: string }[]).map((r) => r.id);

  it('works that arrive together commit in one transaction; a failing one rolls back alone and fails alone', async () => {
    const failure = new Error('after its write');
    const results = await Promise.allSettled([
      group.run(async (db) => {
        await insertParent('a')(db);
        // Inside the group's transaction: its own write is visible.
        return (await sql<{ n: number }>`SELECT count(*) AS n FROM parents`.execute(db)).rows[0]!.n;
      }),
      group.run(async (db) => {
        await insertParent('b')(db);
        throw failure;
      }),
      group.run(async (db) => {
        await insertParent('c')(db);
        return 'c';
      }),
      // A statement error inside a work fails that work only.
      group.run(insertParent('a')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(results[0]).toMatchObject({ value: 1 });
    expect(results[1]).toMatchObject({ reason: failure });
    expect(results[3]).toMatchObject({ reason: expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }) });
    expect(parents()).toEqual(['a', 'c']);
    expect(opened.sqlite!.inTransaction).toBe(false);
  });

  it('a failed commit fails every work of the group, and none of their changes stay', async () => {
    const results = await Promise.allSettled([
      group.run(insertParent('kept?')),
      // Deferred: the missing parent is found only at COMMIT, which fails the group's transaction.
      group.run((db) => sql`INSERT INTO children (id, parent_id) VALUES ('orphan', 'nobody')`.execute(db)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(parents()).toEqual([]);
    expect(opened.sqlite!.inTransaction).toBe(false);
    // The connection is usable again.
    await group.run(insertParent('after'));
    expect(parents()).toEqual(['after']);
  });

  it('a work arriving while a group runs gets the next group', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = group.run(async (db) => {
      await insertParent('first')(db);
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = group.run(insertParent('second'));
    // The first group still holds the connection: the second work has not run.
    expect(parents()).toEqual(['first']);
    expect(opened.sqlite!.inTransaction).toBe(true);
    release();
    await Promise.all([first, second]);
    expect(parents()).toEqual(['first', 'second']);
  });
});
