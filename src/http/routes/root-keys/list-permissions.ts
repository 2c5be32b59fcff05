import { Type } from 'typebox';
import { ListPermissionsBody, PermissionInfoData } from '../../../contract/root-keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'rootKeys.listPermissions',
  summary: 'List every root-key permission Keyward knows, with what it allows',
  description:
    'Keyward extension. Requires `rootkey.*.read_root_key`. Tuples `<type>.<id|*>.<action>` match exactly: `*` is the ' +
    'literal every check accepts beside the specific id. URNs `unkey:v1:<workspaceId>:<path>#<action>` match by pattern: ' +
    '`*` is one path segment, a final `**` one or more. Not to be confused with permissions.listPermissions, which lists ' +
    'the permissions of your own keys.',
  body: ListPermissionsBody,
  data: Type.Array(PermissionInfoData),
  errors: [400, 401, 403, 500],
  handle: async ({ ctx, services }) => ({ data: [...services.rootKeys.permissions(ctx)] }),
});
