import { CreatePermissionBody, CreatePermissionData } from '../../../contract/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'permissions.createPermission',
  summary: 'Create a permission that keys can hold and verifyKey can query',
  description:
    'Requires `rbac.*.create_permission`. The `slug` is what keys hold and verifyKey matches, exactly; a slug the workspace already has answers 409.',
  body: CreatePermissionBody,
  data: CreatePermissionData,
  errors: [400, 401, 403, 409, 500],
  handle: async ({ body, ctx, services }) => ({ data: { permissionId: await services.permissions.createPermission(ctx, body) } }),
});
