/** Shapes several storage areas share. */

export type Meta = Record<string, unknown>;

/** A page of live rows ordered by id (creation order), after `cursor` when given. */
export interface PageQuery {
  workspaceId: string;
  cursor?: string;
  limit: number;
}

/** A PageQuery that also keeps only rows containing `search` (case-insensitive, literally: `%` and `_` are not wildcards). */
export interface SearchPageQuery extends PageQuery {
  search?: string;
}
