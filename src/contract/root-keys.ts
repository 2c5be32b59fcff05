import { Type } from 'typebox';
import { ROOT_KEY_ENVIRONMENTS } from '../core/root-key-environments.js';
import { Defaulted, PageCursor, RequestObject, ResourceId, StringEnum, UnixMs } from './common.js';

/**
 * Keyward's rootKeys.* (root-key management, which Unkey v2 leaves to its dashboard). A root key never
 * grants more than its creator holds; its secret appears only in the createRootKey response.
 */

const RootKeyIdField = ResourceId('The root key id (`rk_...`).');
const Name = Type.String({ minLength: 1, maxLength: 255, description: 'What the root key is for, for people.' });
const Permissions = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 512,
    description: 'A tuple such as `api.*.read_key` or a URN such as `unkey:v1:<workspaceId>:keyspaces/<apiId>#create_key`.',
  }),
  { maxItems: 1000, description: 'Each must be one rootKeys.listPermissions lists, and held by the calling root key.' },
);

const Environment = StringEnum(ROOT_KEY_ENVIRONMENTS, {
  description:
    'Where the root key is meant to be used. Shown in listings and written into the key itself (`kw_root_prod_...`), ' +
    'so a production key in a test configuration is recognisable at a glance. Absent: no label, prefix `kw_root_`.',
});

/** The longest grace period a rerolled root key keeps working for: 30 days. */
export const MAX_ROOT_KEY_GRACE_MS = 30 * 86_400_000;

export const CreateRootKeyBody = RequestObject({
  name: Name,
  permissions: Permissions,
  expires: Type.Optional(UnixMs('When the root key stops working (Unix ms); no later than the calling root key expires.')),
  environment: Type.Optional(Environment),
});
export const CreateRootKeyData = Type.Object({
  rootKeyId: Type.String(),
  key: Type.String({ description: 'The root key itself. Shown only in this response; Keyward keeps only its hash.' }),
});

/** A root key as listed: never its secret nor its hash. Optional fields are omitted, never null. */
export const RootKeyData = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  start: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
  permissions: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  expires: Type.Optional(Type.Integer()),
  lastUsedAt: Type.Optional(Type.Integer()),
  createdBy: Type.Optional(Type.String({ description: 'The root key that created it; absent when Keyward itself did (bootstrap, CLI).' })),
  environment: Type.Optional(Environment),
  retiresAt: Type.Optional(
    Type.Integer({ description: 'Set once the root key was rerolled: the instant (Unix ms) from which it answers like an unknown key.' }),
  ),
});

export const ListRootKeysBody = RequestObject({
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Most root keys per page.' })),
  cursor: Type.Optional(PageCursor),
});

export const UpdateRootKeyBody = RequestObject({
  rootKeyId: RootKeyIdField,
  name: Type.Optional(Name),
  permissions: Type.Optional(Permissions),
});

export const RevokeRootKeyBody = RequestObject({ rootKeyId: RootKeyIdField });

export const RerollRootKeyData = Type.Object({
  rootKeyId: Type.String({ description: 'The new root key id.' }),
  key: Type.String({ description: 'The new root key itself. Shown only in this response; Keyward keeps only its hash.' }),
  oldKeyRetiresAt: Type.Integer({ description: 'When the old secret stops working (Unix ms): now + `expiration`, exactly.' }),
});

export const RerollRootKeyBody = RequestObject({
  rootKeyId: RootKeyIdField,
  expiration: Type.Integer({
    minimum: 0,
    maximum: MAX_ROOT_KEY_GRACE_MS,
    description:
      'Milliseconds from now during which the old secret keeps working (exact, not rounded; at most 30 days). 0 ends it at once.',
  }),
});

export const ListPermissionsBody = RequestObject({});
export const PermissionInfoData = Type.Object({
  permission: Type.String({ description: 'The permission; `<...>` marks a placeholder for an id.' }),
  description: Type.String(),
});
