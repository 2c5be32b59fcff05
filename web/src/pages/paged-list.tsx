import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import type { ListPage } from '../api/client';
import { ErrorMessage } from '../components/ErrorMessage';
import { LoadFailed } from '../components/LoadFailed';
import { Loading } from '../components/Loading';

export type Listing<T> = { kind: 'loading' } | { kind: 'failed'; error: unknown } | ({ kind: 'loaded' } & ListPage<T>);

/**
 * A list read a page at a time: the first page when `fetchPage` changes (keep it stable with useCallback) and on
 * `reload()` (after a create or a delete the pages already read no longer line up), later pages appended by
 * `loadMore()`, whose failure is shown beside its button and leaves the list as it was.
 */
export function usePagedList<T>(fetchPage: (cursor?: string) => Promise<ListPage<T>>) {
  const [listing, setListing] = useState<Listing<T>>({ kind: 'loading' });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>();
  // Which reload is the latest: a slower answer to an earlier one (a search typed further since) is dropped.
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const request = ++latest.current;
    setMoreError(undefined);
    try {
      const page = await fetchPage();
      if (request === latest.current) setListing({ kind: 'loaded', ...page });
    } catch (error) {
      if (request === latest.current) setListing({ kind: 'failed', error });
    }
  }, [fetchPage]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const loadMore = async () => {
    if (listing.kind !== 'loaded' || !listing.cursor) return;
    const shown = listing.items;
    const mine = latest.current;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const next = await fetchPage(listing.cursor);
      if (mine === latest.current) setListing({ kind: 'loaded', ...next, items: [...shown, ...next.items] });
    } catch (error) {
      if (mine === latest.current) setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };

  return { listing, reload, loadMore, loadingMore, moreError };
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>;

/** The "Load more" button while there is a next page, and why the last attempt failed. */
export function LoadMore<T>({ list }: { list: PagedList<T> }) {
  if (list.listing.kind !== 'loaded' || !list.listing.cursor) return null;
  return (
    <>
      <button type="button" className="secondary" disabled={list.loadingMore} onClick={() => void list.loadMore()}>
        {list.loadingMore ? 'Loading…' : 'Load more'}
      </button>
      <ErrorMessage error={list.moreError} />
    </>
  );
}

/**
 * A paged list's states: loading (`loadingLabel`), failed (the server's error and a "Try again" that reads it
 * again), loaded and empty (`empty`, announced when `announceEmpty` because it answers a search or a filter the
 * operator just changed), and `children(items)` once there is something to show.
 */
export function ListingStates<T>({
  list,
  loadingLabel,
  empty,
  announceEmpty = false,
  children,
}: {
  list: PagedList<T>;
  loadingLabel: string;
  empty: ReactNode;
  announceEmpty?: boolean;
  children(items: T[]): ReactNode;
}) {
  const { listing } = list;
  if (listing.kind === 'loading') return <Loading label={loadingLabel} block />;
  if (listing.kind === 'failed') return <LoadFailed error={listing.error} onRetry={list.reload} />;
  if (listing.items.length === 0)
    return (
      <p className="empty" role={announceEmpty ? 'status' : undefined}>
        {empty}
      </p>
    );
  return children(listing.items);
}
