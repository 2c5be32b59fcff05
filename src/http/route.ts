import type { Static, TSchema } from 'typebox';
import type { Services } from '../services/index.js';
import type { Metrics } from './metrics.js';
import type { RequestContext } from '../services/context.js';
import type { Page } from '../services/pagination.js';

/**
 * One operation = one route file exporting one of these. The app registers it as
 * `POST /v2/<operation>`, validates the body against `body`, authenticates the root key, and wraps
 * what `handle` returns in the envelope, serialized through `data` (unknown fields dropped).
 * A paginated operation returns an array of `data` items plus `pagination`.
 */
export interface OperationRoute<B extends TSchema = TSchema, D extends TSchema = TSchema, P extends boolean = boolean> {
  operation: string;
  summary: string;
  description?: string;
  body: B;
  data: D;
  paginated?: P;
  /**
   * The 200 body is `{ meta }` alone: `data` is left out of the envelope and its schema, whatever `handle` returns.
   * Only identities.deleteIdentity answers so (docs/unkey-compatibility.md, "Success envelope").
   */
  metaOnly?: boolean;
  /** Statuses this operation can answer besides 200 (for the OpenAPI document). */
  errors: number[];
  /** Counts what the answer says in the metrics (e.g. verification outcomes); never sees the request. */
  observe?: (data: Static<D>, metrics: Metrics) => void;
  handle(input: {
    body: Static<B>;
    ctx: RequestContext;
    services: Services;
  }): Promise<P extends true ? PageResult<Static<D>> : RouteResult<Static<D>>>;
}

export interface RouteResult<T> {
  data: T;
  /** Extra response headers (for example rate-limit headers). */
  headers?: Record<string, string>;
}

export interface PageResult<T> {
  data: T[];
  pagination: { hasMore: boolean; cursor?: string };
  headers?: Record<string, string>;
}

/** Keeps each route file's types checked against its own schemas. */
export function defineRoute<B extends TSchema, D extends TSchema, P extends boolean = false>(
  route: OperationRoute<B, D, P>,
): OperationRoute<B, D, P> {
  return route;
}

/** Every list operation answers its service's Page alike: the items through the operation's mapper, the pagination as it is. */
export function pageData<T, D>(page: Page<T>, toData: (item: T) => D): PageResult<D> {
  return { data: page.items.map((item) => toData(item)), pagination: page.pagination };
}

/** Operations whose success carries nothing (deletes, some updates) answer `data: {}` once their work is done. */
export async function emptyData(work: Promise<unknown>): Promise<RouteResult<Record<string, never>>> {
  await work;
  return { data: {} };
}
