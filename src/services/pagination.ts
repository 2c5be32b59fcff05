export interface Page<T> {
  items: T[];
  /** Clients follow any cursor they get, so `cursor` is present only when there is a next page. */
  pagination: { hasMore: boolean; cursor?: string };
}

/**
 * A page from `rows` fetched with `limit + 1` rows ordered by id from a store that reads ids after the cursor:
 * the extra row only tells that more exist, and the next page starts after this page's last id.
 */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  if (rows.length <= limit) return { items, pagination: { hasMore: false } };
  return { items, pagination: { hasMore: true, cursor: items[items.length - 1]!.id } };
}

/** Reads one page through `fetch`, asking it for the one row more by which `pageOf` tells that another page follows. */
export async function fetchPage<T extends { id: string }>(
  input: { cursor?: string; limit: number },
  fetch: (window: { cursor?: string; limit: number }) => Promise<T[]>,
): Promise<Page<T>> {
  return pageOf(await fetch({ cursor: input.cursor, limit: input.limit + 1 }), input.limit);
}
