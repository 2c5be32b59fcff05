import { call, callPage } from './client';

export interface Api {
  id: string;
  name: string;
  createdAt: number;
}

/** One page of the workspace's APIs, in creation order; `cursor` is where the next page starts, absent on the last one. */
export interface ApiPage {
  apis: Api[];
  cursor?: string;
}

/** The workspace's APIs a page (100) at a time, with `apis.listApis`; pass the previous page's cursor for the next. */
export async function listApis(cursor?: string): Promise<ApiPage> {
  const answer = await callPage<Api[]>('apis.listApis', cursor ? { cursor } : {});
  const next = answer.pagination?.hasMore ? answer.pagination.cursor : undefined;
  return next ? { apis: answer.data, cursor: next } : { apis: answer.data };
}

export const apis = {
  create: (name: string) => call<{ apiId: string }>('apis.createApi', { name }),
  delete: (apiId: string) => call<Record<string, never>>('apis.deleteApi', { apiId }),
};
