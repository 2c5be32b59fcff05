import { sql, type Kysely } from 'kysely';

/**
 * The whole schema, including tables later features fill (identities, RBAC, rate limits,
 * encrypted keys, migrations, analytics). Types are chosen to mean the same on SQLite and
 * PostgreSQL: times are integer milliseconds (bigint), booleans are 0/1 integers, JSON is text.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('keyward_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('api_rate_limit', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();

  await db.schema
    .createTable('root_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text')
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('start', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('expires', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('root_keys_workspace').on('root_keys').columns(['workspace_id', 'id']).execute();

  await db.schema
    .createTable('apis')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('delete_protection', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('store_encrypted_keys', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('default_prefix', 'text')
    .addColumn('default_byte_length', 'integer')
    .addColumn('ip_whitelist', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('apis_workspace').on('apis').columns(['workspace_id', 'id']).execute();

  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull().defaultTo('default'))
    .addColumn('meta', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  // Only one live identity per externalId; soft-deleted ones may share it.
  await db.schema
    .createIndex('identities_live_external_id')
    .on('identities')
    .columns(['workspace_id', 'external_id'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('api_id', 'text', (c) => c.notNull().references('apis.id'))
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('start', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text')
    .addColumn('name', 'text')
    .addColumn('identity_id', 'text')
    .addColumn('meta', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('expires', 'bigint')
    .addColumn('remaining', 'bigint')
    .addColumn('refill_amount', 'bigint')
    .addColumn('refill_day', 'integer')
    .addColumn('last_refill_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('pending_migration_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('keys_api').on('keys').columns(['api_id', 'id']).execute();
  await db.schema.createIndex('keys_identity').on('keys').columns(['identity_id']).execute();
  await db.schema.createIndex('keys_refill').on('keys').columns(['refill_amount', 'last_refill_at']).execute();

  await db.schema
    .createTable('ratelimits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('key_id', 'text')
    .addColumn('identity_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('limit', 'bigint', (c) => c.notNull())
    .addColumn('duration', 'bigint', (c) => c.notNull())
    .addColumn('auto_apply', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addUniqueConstraint('ratelimits_key_name', ['key_id', 'name'])
    .addUniqueConstraint('ratelimits_identity_name', ['identity_id', 'name'])
    .execute();

  await db.schema
    .createTable('permissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addUniqueConstraint('permissions_workspace_slug', ['workspace_id', 'slug'])
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addUniqueConstraint('roles_workspace_name', ['workspace_id', 'name'])
    .execute();

  for (const [table, left, right] of [
    ['key_permissions', 'key_id', 'permission_id'],
    ['key_roles', 'key_id', 'role_id'],
    ['role_permissions', 'role_id', 'permission_id'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn(left, 'text', (c) => c.notNull())
      .addColumn(right, 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, [left, right])
      .execute();
    await db.schema.createIndex(`${table}_${right}`).on(table).columns([right]).execute();
  }

  await db.schema
    .createTable('ratelimit_namespaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('ratelimit_namespaces_live_name')
    .on('ratelimit_namespaces')
    .columns(['workspace_id', 'name'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('ratelimit_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('namespace_id', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('limit', 'bigint', (c) => c.notNull())
    .addColumn('duration', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('ratelimit_overrides_namespace').on('ratelimit_overrides').columns(['namespace_id', 'identifier']).execute();

  await db.schema
    .createTable('encrypted_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('encryption_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('key_migrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_logs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('source_ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .execute();
  await db.schema.createIndex('audit_logs_workspace').on('audit_logs').columns(['workspace_id', 'id']).execute();
  // One row per resource an audit record touches, so "everything that happened to key_x" is an index scan.
  await db.schema
    .createTable('audit_log_resources')
    .addColumn('audit_log_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_resources_pk', ['audit_log_id', 'resource_type', 'resource_id'])
    .execute();
  await db.schema
    .createIndex('audit_log_resources_lookup')
    .on('audit_log_resources')
    .columns(['workspace_id', 'resource_id', 'audit_log_id'])
    .execute();

  await db.schema
    .createTable('key_verifications')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('api_id', 'text')
    .addColumn('key_id', 'text')
    .addColumn('identity_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('tags', 'text')
    .addColumn('spent_credits', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('latency', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('key_verifications_workspace_time').on('key_verifications').columns(['workspace_id', 'time']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
