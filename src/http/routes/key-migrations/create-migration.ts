import { CreateMigrationBody, CreateMigrationData } from '../../../contract/key-migrations.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keyMigrations.createMigration',
  summary: 'Create a key migration: the hash scheme of keys to import with keys.migrateKeys (Keyward-only)',
  description:
    'Upstream creates migrations out of band; Keyward makes them here. Requires `api.*.create_key`. `algorithm` says how the ' +
    'imported keys were hashed. Pass the `migrationId` to keys.migrateKeys, and to keys.verifyKey for the imported keys: a key ' +
    "stored under a `sha256_hex` or `prefixed_api_key` hash is found only with it, and moves to Keyward's own hash on its " +
    'first verification. Audited (`key_migration.create`).',
  body: CreateMigrationBody,
  data: CreateMigrationData,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => ({
    data: { migrationId: (await services.keyMigrations.createMigration(ctx, body.algorithm)).id },
  }),
});
