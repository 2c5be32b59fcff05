import type { RequestContext } from '../src/services/context.js';
import { newId } from '../src/core/ids.js';
import { openDatabase } from '../src/storage/sql/dialect.js';
import type { TestServer } from './harness.js';

/** Small builders shared by the key and API route tests. */

/** A new API; `keyFormat: 'base58'` makes it issue Unkey-format keys instead of checksummed ones (the default). */
export async function newApi(t: TestServer, rootKey = t.rootKey, options: { keyFormat?: 'base58' } = {}): Promise<string> {
  const res = await t.call('apis.createApi', { name: 'fixture api' }, { rootKey });
  if (res.status !== 200) throw new Error(`createApi answered ${res.status}`);
  const apiId = res.body.data.apiId as string;
  if (options.keyFormat) {
    const set = await t.call('apiSettings.updateSettings', { apiId, keyFormat: options.keyFormat });
    if (set.status !== 200) throw new Error(`updateSettings answered ${set.status}`);
  }
  return apiId;
}

export async function newKey(t: TestServer, body: Record<string, unknown>, rootKey = t.rootKey): Promise<{ keyId: string; key: string }> {
  const res = await t.call('keys.createKey', body, { rootKey });
  if (res.status !== 200) throw new Error(`createKey answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.data;
}

export async function getKey(t: TestServer, keyId: string, rootKey = t.rootKey): Promise<any> {
  return (await t.call('keys.getKey', { keyId }, { rootKey })).body.data;
}

/** The events of the audit records that name `resourceId`, oldest first. */
export async function auditEvents(t: TestServer, resourceId: string, workspaceId = t.workspaceId): Promise<string[]> {
  return (await t.server.store.listAudit({ workspaceId, resourceId, limit: 1000 })).map((a) => a.event);
}

export async function auditCount(t: TestServer, workspaceId = t.workspaceId): Promise<number> {
  return (await t.server.store.listAudit({ workspaceId, limit: 100_000 })).length;
}

/**
 * A role holding `slugs`, written straight to the database: there is no role endpoint to create one with yet.
 * Works on both engines through the store's own dialect layer.
 */
export async function insertRole(t: TestServer, name: string, slugs: string[], workspaceId = t.workspaceId): Promise<string> {
  const { db } = openDatabase(t.databaseUrl);
  const now = t.clock.now();
  const roleId = newId('role', now);
  try {
    await db
      .insertInto('roles')
      .values({ id: roleId, workspace_id: workspaceId, name, description: null, created_at: now, updated_at: null })
      .execute();
    for (const slug of slugs) {
      const permissionId = newId('permission', now);
      await db
        .insertInto('permissions')
        .values({ id: permissionId, workspace_id: workspaceId, name: slug, slug, description: null, created_at: now, updated_at: null })
        .execute();
      await db
        .insertInto('role_permissions')
        .values({ role_id: roleId, permission_id: permissionId, workspace_id: workspaceId, created_at: now })
        .execute();
    }
  } finally {
    await db.destroy();
  }
  return roleId;
}

/** The context a root key holding only `api.*.verify_key` gives a verification, for tests that call the service directly. */
export const verifierContext = (workspaceId: string): RequestContext => ({
  workspaceId,
  actor: { type: 'root_key', id: 'test' },
  permissions: new Set(['api.*.verify_key']),
  requestId: null,
  sourceIp: null,
  userAgent: null,
});
