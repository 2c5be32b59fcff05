import { Type } from 'typebox';
import { Defaulted, RequestObject } from './common.js';
import { KeyIdField, PermissionSlug, RoleName } from './keys.js';

/**
 * Schemas of the permissions.* operations and of the keys.* operations that change a key's permissions and
 * roles (limits from docs/unkey-compatibility.md, "Operations"). This RBAC is the workspace's own, for its keys:
 * verifyKey matches its slugs. It is not what root keys carry.
 */

const Description = Type.String({ maxLength: 512 });
const PermissionRef = Type.String({ minLength: 1, maxLength: 255, description: 'The permission id (`perm_...`) or its slug.' });
const RoleRef = Type.String({ minLength: 1, maxLength: 255, description: 'The role id (`role_...`) or its name.' });
/** Slugs to attach; missing ones are created in the workspace. */
const Slugs = (minItems: number) => Type.Array(PermissionSlug, { minItems, maxItems: 1000 });
const RoleNames = (minItems: number) => Type.Array(RoleName, { minItems, maxItems: 100, description: 'Role names.' });

const ListBody = (searched: string) =>
  RequestObject({
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    search: Type.Optional(Type.String({ maxLength: 256, description: `Case-insensitive substring of the ${searched}.` })),
  });

export const PermissionData = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String({ description: 'What keys hold and verifyKey queries match, exactly.' }),
  description: Type.Optional(Type.String()),
});

export const RoleData = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Optional(Type.String()),
  permissions: Type.Array(PermissionData, { description: 'Ordered by slug.' }),
});

/** What the operations that change a role's or a key's permissions (or a key's roles) answer: the set afterwards. */
export const PermissionList = Type.Array(PermissionData);
export const RoleList = Type.Array(RoleData);

export const CreatePermissionBody = RequestObject({
  name: Type.String({ minLength: 1, maxLength: 512 }),
  slug: PermissionSlug,
  description: Type.Optional(Description),
});
export const CreatePermissionData = Type.Object({ permissionId: Type.String() });

export const GetPermissionBody = RequestObject({ permission: PermissionRef });
export const ListPermissionsBody = ListBody('id, name, slug or description');
export const DeletePermissionBody = RequestObject({ permission: PermissionRef });

export const CreateRoleBody = RequestObject({
  name: RoleName,
  description: Type.Optional(Description),
  permissions: Type.Optional(Slugs(0)),
});
export const CreateRoleData = Type.Object({ roleId: Type.String() });

export const GetRoleBody = RequestObject({ role: RoleRef });
export const ListRolesBody = ListBody('id, name or description');
export const DeleteRoleBody = RequestObject({ role: RoleRef });

export const SetRolePermissionsBody = RequestObject({
  roleId: Type.String({
    minLength: 3,
    maxLength: 255,
    pattern: '^[a-zA-Z0-9_-]+$',
    description: 'The role id (`role_...`); not its name.',
  }),
  permissions: Slugs(0),
});

/** add and remove need at least one slug; set may clear with []. */
export const AddKeyPermissionsBody = RequestObject({ keyId: KeyIdField, permissions: Slugs(1) });
export const RemoveKeyPermissionsBody = AddKeyPermissionsBody;
export const SetKeyPermissionsBody = RequestObject({ keyId: KeyIdField, permissions: Slugs(0) });

/** add and remove need at least one role; set may clear with []. */
export const AddKeyRolesBody = RequestObject({ keyId: KeyIdField, roles: RoleNames(1) });
export const RemoveKeyRolesBody = AddKeyRolesBody;
export const SetKeyRolesBody = RequestObject({ keyId: KeyIdField, roles: RoleNames(0) });
