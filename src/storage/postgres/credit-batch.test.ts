import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../test/harness.js';
import { creditSql } from '../sql/credits.js';
import { openSqlStore } from '../sql/sql-store.js';
import type { Spend, SpendCondition, Store } from '../store.js';
import { insertApi, insertWorkspace, keyRow } from '../suite/fixtures.js';
import { PostgresCreditBatch } from './credit-batch.js';
import { openPostgres } from './open.js';

const UNCHANGED: SpendCondition = { now: 0, updatedAt: null };

describe('credit spends of one key on PostgreSQL commit in groups (credit-batch.ts)', () => {
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  let opened: ReturnType<typeof openPostgres>;
  let workspaceId: string;
  let apiId: string;

  beforeAll(async () => {
    ({ url, drop } = await migratedPostgresSchema());
    store = await openSqlStore(url);
    opened = openPostgres(url);
    workspaceId = await insertWorkspace(store);
    apiId = (await insertApi(store, workspaceId)).id;
  });
  afterAll(async () => {
    await opened.db.destroy();
    await store.close();
    await drop();
  });

  async function keyWith(remaining: number): Promise<string> {
    const row = keyRow(workspaceId, apiId, { remaining });
    await store.insertKey(row);
    return row.id;
  }

  /** A batch over its own pool, counting the spends it sent as single statements. */
  function batch() {
    const single = creditSql(opened.db, opened.dialect);
    const counted = { singles: 0 };
    const credits = new PostgresCreditBatch(opened.db, opened.dialect, (keyId, cost, condition) => {
      counted.singles++;
      return single.spendCredits(keyId, cost, condition);
    });
    return { credits, counted };
  }

  it('100 concurrent spends of 60 credits: the first alone, the rest in groups; exactly 60 charged, each a distinct balance', async () => {
    const keyId = await keyWith(60);
    const { credits, counted } = batch();
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => credits.charge(keyId, 1, UNCHANGED)));
    const charged = outcomes.filter((o): o is Extract<Spend, { charged: true }> => o.charged).map((o) => o.remaining);
    expect(charged.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const refused of outcomes.filter((o) => !o.charged))
      expect(refused).toMatchObject({ charged: false, key: { remaining: 0, live: true } });
    expect(await store.readCredits(keyId)).toBe(0);
    expect(counted.singles).toBe(1);
  });

  it('a group whose transaction fails is rolled back whole: every spend in it fails and the balance stays', async () => {
    const keyId = await keyWith(20);
    const { credits } = batch();
    await sql
      .raw(
        `CREATE FUNCTION refuse_13() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.remaining = 13 THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
         CREATE TRIGGER refuse_13 BEFORE UPDATE OF remaining ON keys FOR EACH ROW EXECUTE FUNCTION refuse_13()`,
      )
      .execute(opened.db);
    try {
      // The first goes alone (20 -> 19); the six that wait for it go together and write 13 once, which the trigger refuses.
      const first = credits.charge(keyId, 1, UNCHANGED);
      const group = Array.from({ length: 6 }, () => credits.charge(keyId, 1, UNCHANGED));
      expect(await first).toEqual({ charged: true, remaining: 19 });
      const settled = await Promise.allSettled(group);
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
      expect(await store.readCredits(keyId)).toBe(19);
    } finally {
      await sql.raw('DROP TRIGGER refuse_13 ON keys; DROP FUNCTION refuse_13()').execute(opened.db);
    }
  });
});
