import { Type } from 'typebox';
import { JsonObject, RequestObject, StringEnum, UnixMs } from './common.js';
import { ApiIdRef, CreditsIn, ExternalIdField, PermissionSlug, RatelimitIn, RoleName } from './keys.js';

/** keys.migrateKeys (docs/unkey-compatibility.md, "keys.migrateKeys") and Keyward's keyMigrations.createMigration. */

export const MigrationAlgorithmField = StringEnum(['sha256_base64', 'sha256_hex', 'prefixed_api_key'], {
  description:
    "How the imported keys were hashed: `sha256_base64` (standard base64 of SHA-256 over the whole key, Keyward's own scheme), " +
    '`sha256_hex` (hex of SHA-256 over the whole key) or `prefixed_api_key` (github.com/seamapi/prefixed-api-key: hex of SHA-256 ' +
    'over the part after the last `_`).',
});

export const CreateMigrationBody = RequestObject({ algorithm: MigrationAlgorithmField });
export const CreateMigrationData = Type.Object({
  migrationId: Type.String({ description: 'Pass as `migrationId` to keys.migrateKeys, and to keys.verifyKey for the imported keys.' }),
});

/** One imported key: its hash, and the fields keys.createKey takes. */
export const MigrateKeyIn = Type.Object(
  {
    hash: Type.String({ minLength: 3, maxLength: 512, description: "The key's hash in the migration's scheme." }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    externalId: Type.Optional(ExternalIdField),
    meta: Type.Optional(JsonObject),
    roles: Type.Optional(Type.Array(RoleName, { maxItems: 100 })),
    permissions: Type.Optional(Type.Array(PermissionSlug, { maxItems: 1000 })),
    expires: Type.Optional(UnixMs('When the key stops verifying (Unix ms).')),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    credits: Type.Optional(CreditsIn),
    ratelimits: Type.Optional(Type.Array(RatelimitIn, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** Keys per request: each request is one transaction, so a bound keeps the database's write lock short. */
export const MAX_MIGRATE_KEYS = 1000;

export const MigrateKeysBody = RequestObject({
  migrationId: Type.String({
    minLength: 3,
    maxLength: 255,
    description: "A migration of the caller's workspace (keyMigrations.createMigration).",
  }),
  apiId: ApiIdRef,
  keys: Type.Array(MigrateKeyIn, { minItems: 1, maxItems: MAX_MIGRATE_KEYS }),
});

export const MigrateKeysData = Type.Object({
  migrated: Type.Array(Type.Object({ hash: Type.String(), keyId: Type.String() }), { description: 'The imported keys, in request order.' }),
  failed: Type.Array(Type.String(), { description: 'Hashes that some key already has (never null; `[]` when none).' }),
});
