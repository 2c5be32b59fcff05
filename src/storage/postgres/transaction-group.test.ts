import net from 'node:net';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshPostgresSchema } from '../../../test/harness.js';
import type { Tables } from '../sql/tables.js';
import { openPostgres } from './open.js';
import { MAX_WORKS_PER_GROUP, PostgresTransactionGroups } from './transaction-group.js';

describe('PostgresTransactionGroups (docs/decisions/0032)', () => {
  let drop: () => Promise<void>;
  let opened: ReturnType<typeof openPostgres>;
  let db: Kysely<Tables>;

  beforeAll(async () => {
    const fresh = await freshPostgresSchema();
    drop = fresh.drop;
    opened = openPostgres(fresh.url);
    db = opened.db;
    await sql`CREATE TABLE parents (id TEXT PRIMARY KEY)`.execute(db);
    await sql`CREATE TABLE finished (id TEXT PRIMARY KEY, txid BIGINT NOT NULL)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE parents, finished`.execute(db);
  });

  const parents = async () => (await sql<{ id: string }>`SELECT id FROM parents ORDER BY id`.execute(db)).rows.map((r) => r.id);
  /** The group's end writes one row per work that succeeded, with its transaction's id. */
  const groups = () =>
    new PostgresTransactionGroups<string>(db, async (trx, ids) => {
      for (const id of ids) await sql`INSERT INTO finished (id, txid) VALUES (${id}, txid_current())`.execute(trx);
    });
  const insertParent = (id: string) => async (trx: Kysely<Tables>) => {
    await sql`INSERT INTO parents (id) VALUES (${id})`.execute(trx);
    return id;
  };
  const finished = async () =>
    (await sql<{ id: string; txid: number }>`SELECT id, txid FROM finished ORDER BY id`.execute(db)).rows.map((r) => ({
      id: r.id,
      txid: Number(r.txid),
    }));

  it('works of one key that arrive while a group runs commit in one transaction; a failing one fails alone', async () => {
    const group = groups();
    const failure = new Error('after its write');
    const results = await Promise.allSettled([
      // Alone in the first group: it ran at once.
      group.run('ws', insertParent('a')),
      group.run('ws', insertParent('b')),
      group.run('ws', async (trx) => {
        await insertParent('c')(trx);
        throw failure;
      }),
      // A statement error aborts PostgreSQL's transaction: only back to this work's savepoint.
      group.run('ws', insertParent('a')),
      group.run('ws', async (trx) => {
        // The work sees the writes of the works before it in its group.
        const seen = await sql<{ n: string }>`SELECT count(*) AS n FROM parents WHERE id = 'b'`.execute(trx);
        return insertParent(`d${seen.rows[0]!.n}`)(trx);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(results[2]).toMatchObject({ reason: failure });
    expect(results[3]).toMatchObject({ reason: expect.objectContaining({ code: '23505' }) });
    expect(await parents()).toEqual(['a', 'b', 'd1']);
    const done = await finished();
    expect(done.map((r) => r.id)).toEqual(['a', 'b', 'd1']);
    // 'a' committed alone; 'b' and 'd1' in the next group's one transaction.
    expect(done[1]!.txid).toBe(done[2]!.txid);
    expect(done[0]!.txid).not.toBe(done[1]!.txid);
  });

  it("a failure at the group's end fails every work of the group, and none of their changes stay", async () => {
    const group = new PostgresTransactionGroups<string>(db, async (trx, ids) => {
      if (ids.includes('poison')) await sql`SELECT 1 / 0`.execute(trx);
    });
    const results = await Promise.allSettled([
      group.run('ws', insertParent('first')),
      group.run('ws', insertParent('kept?')),
      group.run('ws', insertParent('poison')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(await parents()).toEqual(['first']);
    // The key's queue is usable again.
    await group.run('ws', insertParent('after'));
    expect(await parents()).toEqual(['after', 'first']);
  });

  it('groups of different keys run side by side; one key runs one group at a time', async () => {
    const group = groups();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = group.run('one', async (trx) => {
      await insertParent('slow')(trx);
      await held;
      return 'slow';
    });
    const waiting = group.run('one', insertParent('next'));
    // Another key is not held up by the first key's open group.
    await group.run('two', insertParent('other'));
    expect(await parents()).toEqual(['other']);
    release();
    await Promise.all([slow, waiting]);
    expect(await parents()).toEqual(['next', 'other', 'slow']);
  });

  it("a key's next group runs its works while the previous one is still finishing", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const group = new PostgresTransactionGroups<string>(db, async (_trx, ids) => {
      if (ids.includes('first')) await held;
    });
    let secondRan!: () => void;
    const ran = new Promise<void>((resolve) => {
      secondRan = resolve;
    });
    let firstAnswered = false;
    const first = group.run('ws', insertParent('first')).then((id) => {
      firstAnswered = true;
      return id;
    });
    const second = group.run('ws', async (trx) => {
      const id = await insertParent('second')(trx);
      secondRan();
      return id;
    });
    await ran;
    expect(firstAnswered).toBe(false);
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    expect(await parents()).toEqual(['first', 'second']);
  });

  it("a work's savepoint goes out in the same write as the work's first statement (guarded-pool.ts)", async () => {
    // Every write to a socket while the group runs, as the text of its bytes: only this test's pool writes meanwhile.
    const socket = net.Socket.prototype as unknown as { _writeGeneric(writev: boolean, data: unknown, ...rest: unknown[]): void };
    const original = socket._writeGeneric;
    const writes: string[] = [];
    socket._writeGeneric = function (writev, data, ...rest) {
      const chunks = writev ? (data as { chunk: Buffer | string }[]).map((c) => c.chunk) : [data as Buffer | string];
      writes.push(chunks.map((chunk) => Buffer.from(chunk).toString('latin1')).join(''));
      return original.call(this, writev, data, ...rest);
    };
    try {
      await groups().run('ws', insertParent('together'));
    } finally {
      socket._writeGeneric = original;
    }
    const savepoint = writes.filter((text) => text.includes('SAVEPOINT keyward_grouped'));
    expect(savepoint).toHaveLength(1);
    expect(savepoint[0]).toContain('INSERT INTO parents');
    expect(await parents()).toEqual(['together']);
  });

  it(`a group takes at most ${MAX_WORKS_PER_GROUP} works; the rest go in the next`, async () => {
    const group = groups();
    const count = MAX_WORKS_PER_GROUP + 6;
    await Promise.all(Array.from({ length: count }, (_, i) => group.run('ws', insertParent(`p${String(i).padStart(3, '0')}`))));
    const done = await finished();
    expect(done).toHaveLength(count);
    const perTransaction = new Map<number, number>();
    for (const { txid } of done) perTransaction.set(txid, (perTransaction.get(txid) ?? 0) + 1);
    const sizes = [...perTransaction.values()].sort((a, b) => a - b);
    // The first alone, then a full group, then what was left.
    expect(sizes).toEqual([1, 5, MAX_WORKS_PER_GROUP]);
  });
});
