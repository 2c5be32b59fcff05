import { sql, type Kysely } from 'kysely';

/**
 * One live override per (namespace, identifier), enforced by the database as well as by the service's
 * row lock; and a plain index so namespaces are found by name even among deleted ones.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('ratelimit_overrides_live_identifier')
    .on('ratelimit_overrides')
    .columns(['namespace_id', 'identifier'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  await db.schema.createIndex('ratelimit_namespaces_name').on('ratelimit_namespaces').columns(['workspace_id', 'name']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
