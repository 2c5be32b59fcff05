import { call, type ListPage, listPage } from './client';

/** The `rootKeys.*` operations (Keyward's own: root-key management), shapes from src/contract/root-keys.ts. */

/** A root key as listed: never its secret nor its hash. */
export interface RootKey {
  id: string;
  name?: string;
  /** The first characters of the key, to tell keys apart. */
  start: string;
  permissions: string[];
  createdAt: number;
  expires?: number;
  lastUsedAt?: number;
  /** The root key that created it; absent when Keyward itself did (bootstrap, CLI) or an operator did. */
  createdBy?: string;
  /** Where it is meant to be used; also a segment of the key itself (`kw_root_prod_...`). */
  environment?: RootKeyEnvironment;
  /** Set once it was rerolled: when the old secret stops working (Unix ms). */
  retiresAt?: number;
}

export const ROOT_KEY_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type RootKeyEnvironment = (typeof ROOT_KEY_ENVIRONMENTS)[number];

/** One entry of the permission catalogue: `<...>` in `permission` marks a placeholder for an id. */
export interface CataloguePermission {
  permission: string;
  description: string;
}

export interface NewRootKey {
  name: string;
  permissions: string[];
  /** Unix ms. */
  expires?: number;
  environment?: RootKeyEnvironment;
}

export const listRootKeys = (cursor?: string): Promise<ListPage<RootKey>> => listPage<RootKey>('rootKeys.listRootKeys', {}, cursor);

export const rootKeys = {
  /** The secret is in this answer only: the caller shows it once and keeps it nowhere (components/IssuedKeyDialog.tsx). */
  create: (rootKey: NewRootKey) => call<{ rootKeyId: string; key: string }>('rootKeys.createRootKey', rootKey),
  revoke: (rootKeyId: string) => call<Record<string, never>>('rootKeys.revokeRootKey', { rootKeyId }),
  /** A new secret with the same permissions; the old one works for exactly `graceMs` more. The secret is in this answer only. */
  reroll: (rootKeyId: string, graceMs: number) =>
    call<{ rootKeyId: string; key: string; oldKeyRetiresAt: number }>('rootKeys.rerollRootKey', { rootKeyId, expiration: graceMs }),
  catalogue: () => call<CataloguePermission[]>('rootKeys.listPermissions'),
};
