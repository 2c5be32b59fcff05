import type { Kysely } from 'kysely';

/**
 * Lifetimes beyond a fixed expiry (docs/decisions/0020 and 0026):
 * - root_keys.environment: the label (dev, staging, prod) a root key was created with, also in its prefix;
 *   null for every root key made before, which keep working unchanged.
 * - root_keys.retires_at: set when a root key is rerolled; from that instant its secret answers like an unknown one.
 * - keys.one_time: the key is good for one successful verification; keys.consumed_at records it.
 * - keys.sliding_expiration: a window (ms) by which each successful verification moves `expires` on.
 * Added columns only, nullable or with a default, so existing rows need no rewrite on either engine.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('root_keys').addColumn('environment', 'text').execute();
  await db.schema.alterTable('root_keys').addColumn('retires_at', 'bigint').execute();
  await db.schema
    .alterTable('keys')
    .addColumn('one_time', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('keys').addColumn('consumed_at', 'bigint').execute();
  await db.schema.alterTable('keys').addColumn('sliding_expiration', 'bigint').execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
