import { call, type ListPage, listPage } from './client';
import type { Ratelimit } from './keys';

/** The `identities.*` operations, as the Identities pages use them (shapes from src/contract/identities.ts). */

export interface Identity {
  id: string;
  externalId: string;
  meta?: Record<string, unknown>;
  /** Shared by every key of the identity. */
  ratelimits: Ratelimit[];
}

/** A limit as the create and update operations take it: `duration` in milliseconds. */
export interface RatelimitInput {
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

/**
 * The workspace's identities, a page (100) at a time; `search` is the server's (a case-insensitive part of the id or
 * the external id, over every identity), so it finds identities not yet loaded.
 */
export const listIdentities = (search: string, cursor?: string): Promise<ListPage<Identity>> =>
  listPage<Identity>('identities.listIdentities', search ? { search } : {}, cursor);

export const identities = {
  create: (identity: { externalId: string; meta?: Record<string, unknown>; ratelimits?: RatelimitInput[] }) =>
    call<{ identityId: string }>('identities.createIdentity', identity),
  get: (identity: string) => call<Identity>('identities.getIdentity', { identity }),
  /** `meta` replaces the whole object, `ratelimits` the limits by name (a name left out is deleted). */
  update: (identity: string, change: { meta: Record<string, unknown>; ratelimits: RatelimitInput[] }) =>
    call<Identity>('identities.updateIdentity', { identity, ...change }),
  delete: (identity: string) => call<Record<string, never>>('identities.deleteIdentity', { identity }),
};
