import type { TestServer } from './harness.js';

/** Small builders shared by the rootKeys.* route tests. */

export const INSUFFICIENT = 'https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions';
export const ROOT_KEY_NOT_FOUND = 'https://unkey.com/docs/errors/keyward/data/root_key_not_found';

/** A root key created through rootKeys.createRootKey by `by` (the bootstrap key unless given). */
export async function newRootKey(
  t: TestServer,
  permissions: string[],
  options: { name?: string; expires?: number; by?: string } = {},
): Promise<{ rootKeyId: string; key: string }> {
  const body = { name: options.name ?? 'fixture', permissions, ...(options.expires === undefined ? {} : { expires: options.expires }) };
  const res = await t.call('rootKeys.createRootKey', body, { rootKey: options.by ?? t.rootKey });
  if (res.status !== 200) throw new Error(`createRootKey answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.data;
}

/** Every live root key of the caller's workspace, following the cursor. */
export async function allRootKeys(t: TestServer, rootKey = t.rootKey): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const res = await t.call('rootKeys.listRootKeys', cursor === undefined ? {} : { cursor }, { rootKey });
    if (res.status !== 200) throw new Error(`listRootKeys answered ${res.status}`);
    items.push(...res.body.data);
    cursor = res.body.pagination.cursor;
  } while (cursor !== undefined);
  return items;
}
