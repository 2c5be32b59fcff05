import { call, callPage } from './client';

export interface Api {
  id: string;
  name: string;
  createdAt: number;
}

interface AuditRecord {
  id: string;
  event: string;
  time: number;
  resources: { type: string; id: string; name?: string }[];
}

/** Pages of the audit log read at most to list APIs: 100 records each, so up to 2,000 APIs created. */
const MAX_PAGES = 20;

export interface ApiList {
  apis: Api[];
  /** True when the workspace has more API records than were read: the list may miss the oldest APIs. */
  truncated: boolean;
}

/**
 * The workspace's APIs. Keyward has no operation that lists APIs (src/http/routes/apis has createApi, getApi, deleteApi
 * and listKeys only), so the list is what the workspace's audit log records: every `api.create` not followed by an
 * `api.delete`. It needs the `audit.*.read_audit_log` permission, which every operator role holds. Replace this with
 * a listing operation once the server has one.
 */
export async function listApis(): Promise<ApiList> {
  const created = new Map<string, Api>();
  const deleted = new Set<string>();
  let cursor: string | undefined;
  let truncated = false;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) {
      truncated = true;
      break;
    }
    const answer = await callPage<AuditRecord[]>('audit.listLogs', { events: ['api.create', 'api.delete'], ...(cursor ? { cursor } : {}) });
    for (const record of answer.data) {
      const api = record.resources.find((resource) => resource.type === 'api');
      if (!api) continue;
      if (record.event === 'api.delete') deleted.add(api.id);
      else created.set(api.id, { id: api.id, name: api.name ?? api.id, createdAt: record.time });
    }
    if (!answer.pagination?.hasMore || !answer.pagination.cursor) break;
    cursor = answer.pagination.cursor;
  }
  const apis = [...created.values()]
    .filter((api) => !deleted.has(api.id))
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { apis, truncated };
}

export const apis = {
  create: (name: string) => call<{ apiId: string }>('apis.createApi', { name }),
  delete: (apiId: string) => call<Record<string, never>>('apis.deleteApi', { apiId }),
};
