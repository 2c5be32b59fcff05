import { afterAll, beforeAll } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import type { ApiRecord, NewKeyRow, NewRatelimit, Store, StoreOps } from '../store.js';

export interface OpenedStore {
  store: Store;
  /** Removes the database; called after `store.close()`. */
  drop: () => Promise<void>;
}

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const DAY = 86_400_000;

export function keyRow(workspaceId: string, apiId: string, fields: Partial<NewKeyRow> = {}): NewKeyRow {
  const key = generateKey(16, 'cf');
  return {
    id: newId('key', NOW),
    workspaceId,
    apiId,
    hash: key.hash,
    start: key.start,
    prefix: 'cf',
    name: null,
    identityId: null,
    meta: null,
    enabled: true,
    expires: null,
    remaining: null,
    refill: null,
    createdAt: NOW,
    ...fields,
  };
}

/** Inserts a workspace and returns its id. */
export async function insertWorkspace(ops: StoreOps, enabled = true): Promise<string> {
  const id = newId('workspace', NOW);
  await ops.insertWorkspace({ id, name: 'conformance', enabled, createdAt: NOW });
  return id;
}

/** Inserts an API of `workspaceId` without delete protection, whitelist or encrypted keys. */
export async function insertApi(ops: StoreOps, workspaceId: string): Promise<ApiRecord> {
  const api: ApiRecord = {
    id: newId('api', NOW),
    workspaceId,
    name: 'conformance api',
    deleteProtection: false,
    storeEncryptedKeys: false,
    ipWhitelist: null,
    leakPolicy: 'disable',
    defaultPrefix: 'cf',
    defaultByteLength: 24,
    keyFormat: 'base58',
    createdAt: NOW,
    updatedAt: null,
  };
  await ops.insertApi(api);
  return api;
}

type RootKeyRow = Parameters<StoreOps['insertRootKey']>[0];

/** A root key row with a fresh secret, no name, no permissions and no expiry unless `fields` says otherwise. */
export function rootKeyRow(workspaceId: string, fields: Partial<RootKeyRow> = {}): RootKeyRow {
  const key = generateKey(32, 'kw_root');
  return {
    id: newId('rootKey', NOW),
    workspaceId,
    name: null,
    hash: key.hash,
    start: key.start,
    permissions: [],
    createdAt: NOW,
    expires: null,
    createdBy: null,
    ...fields,
  };
}

export const limit = (name: string, value = 10, duration = 60_000, autoApply = false): NewRatelimit => ({
  id: newId('ratelimit', NOW),
  name,
  limit: value,
  duration,
  autoApply,
});

/** What every area's cases share: the store under test and the helpers that fill it. */
export interface StoreSuite {
  /** The shared store, open from the suite's beforeAll on: read it in a hook or a test, not while declaring cases. */
  readonly store: Store;
  /** Runs `test` on a store of its own, for behaviour that is store-wide rather than per workspace. */
  withOwnStore(test: (own: Store) => Promise<void>): Promise<void>;
  newWorkspace(ops?: StoreOps, enabled?: boolean): Promise<string>;
  newApi(workspaceId: string, ops?: StoreOps): Promise<ApiRecord>;
  newKey(workspaceId: string, apiId: string, fields?: Partial<NewKeyRow>, ops?: StoreOps): Promise<NewKeyRow>;
  /** A workspace with one API, the starting point of most tests. */
  fixture(): Promise<{ workspaceId: string; api: ApiRecord; apiId: string }>;
}

/** Opens the shared store before the enclosing describe's cases and closes it after them. */
export function openStoreSuite(open: () => Promise<OpenedStore>): StoreSuite {
  let opened: OpenedStore | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    await opened?.store.close();
    await opened?.drop();
  });

  const current = (): Store => {
    if (!opened) throw new Error('the conformance store is opened in beforeAll: read it in a hook or a test');
    return opened.store;
  };

  async function withOwnStore(test: (own: Store) => Promise<void>): Promise<void> {
    const own = await open();
    try {
      await test(own.store);
    } finally {
      await own.store.close();
      await own.drop();
    }
  }

  const newWorkspace = (ops: StoreOps = current(), enabled = true) => insertWorkspace(ops, enabled);
  const newApi = (workspaceId: string, ops: StoreOps = current()) => insertApi(ops, workspaceId);

  async function newKey(
    workspaceId: string,
    apiId: string,
    fields: Partial<NewKeyRow> = {},
    ops: StoreOps = current(),
  ): Promise<NewKeyRow> {
    const row = keyRow(workspaceId, apiId, fields);
    await ops.insertKey(row);
    return row;
  }

  async function fixture() {
    const workspaceId = await newWorkspace();
    const api = await newApi(workspaceId);
    return { workspaceId, api, apiId: api.id };
  }

  return {
    get store() {
      return current();
    },
    withOwnStore,
    newWorkspace,
    newApi,
    newKey,
    fixture,
  };
}
