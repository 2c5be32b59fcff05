import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from './open.js';
import { MAX_GROUP, SqliteTransactionGroup } from './transaction-group.js';

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
  const insertParentNamed = (id: string) => async (db: typeof opened.db) => {
    await insertParent(id)(db);
    return id;
  };
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

  describe('works finished later', () => {
    const finishing = () => {
      const finished: string[][] = [];
      const finishingGroup = new SqliteTransactionGroup<string>(opened.db, opened.sqlite!, async (db, ids) => {
        finished.push(ids);
        for (const id of ids) await sql`INSERT INTO parents (id) VALUES (${`finished ${id}`})`.execute(db);
      });
      return { finishingGroup, finished };
    };

    it('hand their results to finish in the order they ran: before the next work that is not, and at the end', async () => {
      const { finishingGroup, finished } = finishing();
      const results = await Promise.allSettled([
        finishingGroup.runFinishedLater(insertParentNamed('a')),
        finishingGroup.runFinishedLater(insertParentNamed('b')),
        finishingGroup.runFinishedLater(async (db) => {
          await insertParent('c')(db);
          throw new Error('fails alone');
        }),
        finishingGroup.runFinishedLater(insertParentNamed('d')),
        // Not finished later: the results before it are finished first.
        finishingGroup.run(async (db) => {
          const seen = (await sql<{ id: string }>`SELECT id FROM parents WHERE id LIKE 'finished %' ORDER BY id`.execute(db)).rows;
          return seen.map((r) => r.id);
        }),
        finishingGroup.runFinishedLater(insertParentNamed('e')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      // One group: 'c' failed, and the work that is not finished later split the others.
      expect(finished).toEqual([['a', 'b', 'd'], ['e']]);
      expect(results[4]).toMatchObject({ value: ['finished a', 'finished b', 'finished d'] });
      expect(parents()).toEqual(['a', 'b', 'd', 'e', 'finished a', 'finished b', 'finished d', 'finished e']);
    });

    it('works that arrive in separate callbacks of one turn of the event loop form one group', async () => {
      // As requests do: each is read in an I/O callback of its own, and its statements run synchronously. A group that
      // started at once would be the first work alone (bench/RESULTS.md, "Session 12").
      const { finishingGroup, finished } = finishing();
      const arrivals = ['a', 'b', 'c'].map(
        (id) =>
          new Promise<string>((resolve, reject) => {
            setImmediate(() => {
              finishingGroup.runFinishedLater(insertParentNamed(id)).then(resolve, reject);
            });
          }),
      );
      expect(await Promise.all(arrivals)).toEqual(['a', 'b', 'c']);
      expect(finished).toEqual([['a', 'b', 'c']]);
    });

    it(`a group runs at most ${MAX_GROUP} works; the rest form the next`, async () => {
      const { finishingGroup, finished } = finishing();
      const ids = Array.from({ length: MAX_GROUP + 5 }, (_, i) => `w${String(i).padStart(3, '0')}`);
      expect(await Promise.all(ids.map((id) => finishingGroup.runFinishedLater(insertParentNamed(id))))).toEqual(ids);
      expect(finished.map((group) => group.length)).toEqual([MAX_GROUP, 5]);
    });

    it('a finish that fails fails the whole group, and none of its changes stay', async () => {
      const failing = new SqliteTransactionGroup<string>(opened.db, opened.sqlite!, async (_db, ids) => {
        if (ids.includes('poison')) throw new Error('finish failed');
      });
      const results = await Promise.allSettled([
        failing.runFinishedLater(insertParentNamed('first')),
        failing.run(insertParent('plain')),
        failing.runFinishedLater(insertParentNamed('poison')),
      ]);
      // One group: the works before the poisoned finish fail with it.
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(parents()).toEqual([]);
      expect(opened.sqlite!.inTransaction).toBe(false);
    });
  });
});
