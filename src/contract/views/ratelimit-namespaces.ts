import type { Static } from 'typebox';
import type { NamespaceData } from '../ratelimit.js';
import type { RatelimitNamespaceRecord } from '../../storage/store.js';

/** Field by field; `updatedAt` is omitted, never null, when the namespace never changed. */
export function namespaceData(ns: RatelimitNamespaceRecord): Static<typeof NamespaceData> {
  const data: Static<typeof NamespaceData> = { id: ns.id, name: ns.name, createdAt: ns.createdAt };
  if (ns.updatedAt !== null) data.updatedAt = ns.updatedAt;
  return data;
}
