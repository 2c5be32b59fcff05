import type { Kysely } from 'kysely';

/**
 * What each node of the registry (0009) says it does, as a space-separated list of names (src/services/node-registry.ts,
 * NODE_CAPABILITIES; docs/decisions/0034-filter-negatives-during-rolling-upgrades.md). A node of an earlier version
 * writes its row without naming the column, so its row reads as advertising nothing: what an upgraded node needs to
 * know that it runs. The default fills the rows already there; no rewrite on either engine.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('nodes')
    .addColumn('capabilities', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
