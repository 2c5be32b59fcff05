import { call, type ListPage, listPage } from './client';

/**
 * The `ratelimit.*` operations and Keyward's `ratelimitNamespaces.*`, as the Rate limits pages use them (shapes from
 * src/contract/ratelimit.ts). The pages address a namespace by its `rlns_` id, which every one of them accepts: it
 * survives a rename, and unlike a name (`sms.send`) it never looks like a file name in an address, which the server
 * answers with 404 rather than the app (src/http/dashboard-site.ts).
 */

export interface Namespace {
  id: string;
  name: string;
  createdAt: number;
  /** The last change to the namespace or its overrides; absent if none. */
  updatedAt?: number;
}

export interface Override {
  overrideId: string;
  /** An identifier, or a pattern where `*` matches any run of characters. */
  identifier: string;
  limit: number;
  /** Milliseconds. */
  duration: number;
}

/** What ratelimit.limit answers: `limit` is the override's when one matched; `reset` is Unix ms. */
export interface LimitAnswer {
  success: boolean;
  limit: number;
  remaining: number;
  reset: number;
  overrideId?: string;
}

export const listNamespaces = (cursor?: string): Promise<ListPage<Namespace>> =>
  listPage<Namespace>('ratelimitNamespaces.listNamespaces', {}, cursor);

/**
 * The namespace with this id among the live ones, or undefined. There is no operation reading one namespace, so this
 * pages through the list (100 a page): a workspace has few namespaces, and the page needs only the name to show.
 */
export async function findNamespace(namespaceId: string): Promise<Namespace | undefined> {
  let cursor: string | undefined;
  do {
    const page = await listNamespaces(cursor);
    const found = page.items.find((namespace) => namespace.id === namespaceId);
    if (found) return found;
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}

/** A namespace's overrides, 100 a page (the operation's default is 10). */
export const listOverrides = (namespace: string, cursor?: string): Promise<ListPage<Override>> =>
  listPage<Override>('ratelimit.listOverrides', { namespace, limit: 100 }, cursor);

export const ratelimits = {
  rename: (namespace: string, name: string) => call<Namespace>('ratelimitNamespaces.renameNamespace', { namespace, name }),
  delete: (namespace: string) => call<Record<string, never>>('ratelimitNamespaces.deleteNamespace', { namespace }),
  setOverride: (namespace: string, override: { identifier: string; limit: number; duration: number }) =>
    call<{ overrideId: string }>('ratelimit.setOverride', { namespace, ...override }),
  deleteOverride: (namespace: string, identifier: string) =>
    call<Record<string, never>>('ratelimit.deleteOverride', { namespace, identifier }),
  /** Counts `cost` against the limit, exactly as a call from a service would. */
  limit: (namespace: string, check: { identifier: string; limit: number; duration: number; cost: number }) =>
    call<LimitAnswer>('ratelimit.limit', { namespace, ...check }),
};
