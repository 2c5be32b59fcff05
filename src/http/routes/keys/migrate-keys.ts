import { MAX_MIGRATE_KEYS, MigrateKeysBody, MigrateKeysData } from '../../../contract/key-migrations.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.migrateKeys',
  summary: 'Import existing keys by their hashes',
  description:
    'Requires `api.*.create_key` or `api.<apiId>.create_key` (else 403); entries with `permissions` or `roles` also need the rbac ' +
    'permissions keys.createKey needs for them (else 403, nothing imported). The API and the migration (keyMigrations.createMigration) ' +
    "must be the caller's (else 404). Each hash must fit the migration's scheme: standard base64 of a SHA-256 digest for " +
    '`sha256_base64`, 64 hex digits otherwise (else 400, and nothing is imported). The other fields are those of keys.createKey; ' +
    `unknown roles answer 404. At most ${MAX_MIGRATE_KEYS} keys per request, imported in one transaction with one audit record ` +
    '(`key.migrate`). Hashes some key already has are skipped and listed in `failed`, always an array. An imported key has the ' +
    'placeholder `start` "(migrated)" until its first verification (with the `migrationId` unless the scheme is `sha256_base64`), ' +
    "which moves it to Keyward's hash and records its real start.",
  body: MigrateKeysBody,
  data: MigrateKeysData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: await services.keyMigrations.migrateKeys(ctx, body) }),
});
