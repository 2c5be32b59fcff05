import { call, type ListPage, listPage } from './client';

/** The `audit.*` operations as the Audit log page uses them (shapes from src/contract/audit.ts). */

export interface AuditResource {
  type: string;
  id: string;
  name?: string;
}

/** One record; optional fields are absent when unknown (work Keyward did itself has no address, agent or request). */
export interface AuditRecord {
  id: string;
  event: string;
  /** Unix ms. */
  time: number;
  actor: { type: string; id: string; name?: string };
  description: string;
  resources: AuditResource[];
  sourceIp?: string;
  userAgent?: string;
  requestId?: string;
}

/** What narrows the list; every field is optional and they combine with AND, as audit.listLogs takes them. */
export interface AuditFilter {
  events?: string[];
  actorId?: string;
  resourceId?: string;
  /** Unix ms, inclusive. */
  since?: number;
  until?: number;
}

/** audit.verifyChain's answer: how many records fit the chain, the last one's hash, and the first break, if any. */
export interface ChainStatus {
  checked: number;
  headHash: string;
  broken?: { recordId?: string; reason: string };
}

/** Records shown a page at a time: fewer than the API's 100, so the first page appears quickly. */
export const AUDIT_PAGE_SIZE = 50;

/** One page of the filtered log, newest first; `limit` defaults to the page's size (exports read 100 at a time). */
export const listAuditRecords = (filter: AuditFilter, cursor?: string, limit = AUDIT_PAGE_SIZE): Promise<ListPage<AuditRecord>> =>
  listPage<AuditRecord>('audit.listLogs', { ...filter, order: 'desc', limit }, cursor);

export const verifyAuditChain = () => call<ChainStatus>('audit.verifyChain', {});
