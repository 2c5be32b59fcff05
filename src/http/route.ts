import type { Static, TSchema } from 'typebox';
import type { Services } from '../services/index.js';
import type { RequestContext } from '../services/context.js';

/**
 * One operation = one route file exporting one of these. The app registers it as
 * `POST /v2/<operation>`, validates the body against `body`, authenticates the root key, and wraps
 * what `handle` returns in the envelope, serialized through `data` (unknown fields dropped).
 */
export interface OperationRoute<B extends TSchema = TSchema, D extends TSchema = TSchema> {
  operation: string;
  summary: string;
  description?: string;
  body: B;
  data: D;
  /** Adds `pagination` to the envelope and makes `data` an array of this schema. */
  paginated?: boolean;
  /** Statuses this operation can answer besides 200 (for the OpenAPI document). */
  errors: number[];
  handle(input: { body: Static<B>; ctx: RequestContext; services: Services }): Promise<RouteResult<Static<D>>>;
}

export interface RouteResult<T> {
  data: T;
  pagination?: { hasMore: boolean; cursor?: string };
  /** Extra response headers (for example rate-limit headers). */
  headers?: Record<string, string>;
}

/** Keeps each route file's types checked against its own schemas. */
export function defineRoute<B extends TSchema, D extends TSchema>(route: OperationRoute<B, D>): OperationRoute<B, D> {
  return route;
}
