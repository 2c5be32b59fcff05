import { expect } from 'vitest';
import type { CallResult } from './harness.js';

/**
 * Follows a list operation's cursor from the first page to the last, checking that every page answers 200 and
 * that `hasMore` is true exactly when the page hands out a cursor. Returns the ids seen, in order, and the page count.
 */
export async function readAllPages(
  list: (body: Record<string, unknown>) => Promise<CallResult>,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await list(cursor === undefined ? { limit } : { limit, cursor });
    expect(res.status).toBe(200);
    pages++;
    ids.push(...res.body.data.map((item: { id: string }) => item.id));
    cursor = res.body.pagination.cursor;
    expect(res.body.pagination.hasMore).toBe(cursor !== undefined);
  } while (cursor !== undefined);
  return { ids, pages };
}
