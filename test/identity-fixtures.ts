import { openDatabase } from '../src/storage/sql/dialect.js';
import type { TestServer } from './harness.js';

/** Small builders shared by the identity route tests. */

let created = 0;

/** A fresh identity (a unique externalId unless one is given); returns its id and externalId. */
export async function newIdentity(
  t: TestServer,
  body: Record<string, unknown> = {},
  rootKey = t.rootKey,
): Promise<{ identityId: string; externalId: string }> {
  const externalId = (body.externalId as string | undefined) ?? `user_${process.pid}_${++created}`;
  const res = await t.call('identities.createIdentity', { ...body, externalId }, { rootKey });
  if (res.status !== 200) throw new Error(`createIdentity answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return { identityId: res.body.data.identityId, externalId };
}

export const limit = (name: string, limitValue = 10, duration = 60_000, autoApply = false) => ({
  name,
  limit: limitValue,
  duration,
  autoApply,
});

/** Every stored row (live or soft-deleted) with this externalId and how many limit rows it has, read straight from the database. */
export async function identityRows(
  t: TestServer,
  externalId: string,
  workspaceId = t.workspaceId,
): Promise<Array<{ id: string; deleted: boolean; ratelimits: number }>> {
  const { db } = openDatabase(t.databaseUrl);
  try {
    const rows = await db
      .selectFrom('identities as i')
      .select((eb) => [
        'i.id',
        'i.deleted_at',
        eb.selectFrom('ratelimits as r').whereRef('r.identity_id', '=', 'i.id').select(eb.fn.countAll().as('n')).as('ratelimits'),
      ])
      .where('i.workspace_id', '=', workspaceId)
      .where('i.external_id', '=', externalId)
      .orderBy('i.id')
      .execute();
    return rows.map((row) => ({ id: row.id, deleted: row.deleted_at !== null, ratelimits: Number(row.ratelimits) }));
  } finally {
    await db.destroy();
  }
}

/** The stored identity_id of each key, in the order given, read straight from the database (reads hide deleted identities). */
export async function keyIdentityLinks(t: TestServer, keyIds: string[]): Promise<Array<string | null>> {
  const { db } = openDatabase(t.databaseUrl);
  try {
    const rows = await db.selectFrom('keys').select(['id', 'identity_id']).where('id', 'in', keyIds).execute();
    const links = new Map(rows.map((row) => [row.id, row.identity_id]));
    return keyIds.map((id) => links.get(id) ?? null);
  } finally {
    await db.destroy();
  }
}
