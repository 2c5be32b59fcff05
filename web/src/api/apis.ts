import { call, type ListPage, listPage } from './client';

export interface Api {
  id: string;
  name: string;
  createdAt: number;
}

/** The workspace's APIs in creation order, a page (100) at a time, with `apis.listApis`. */
export const listApis = (cursor?: string): Promise<ListPage<Api>> => listPage<Api>('apis.listApis', {}, cursor);

export const apis = {
  create: (name: string) => call<{ apiId: string }>('apis.createApi', { name }),
  get: (apiId: string) => call<{ id: string; name: string }>('apis.getApi', { apiId }),
  delete: (apiId: string) => call<Record<string, never>>('apis.deleteApi', { apiId }),
};
