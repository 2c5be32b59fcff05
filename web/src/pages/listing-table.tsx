import type { ReactNode } from 'react';
import { DataTable, type DataTableProps } from '../components/DataTable';
import { ListingStates, LoadMore, type PagedList } from './paged-list';

/**
 * A paged list shown as a table: its loading, failed and empty states (ListingStates, with `loadingLabel`, `empty` and
 * `announceEmpty` as there), the table once there are rows (DataTable, with the rest of the props), then "Load more".
 */
export function ListingTable<T>({
  list,
  loadingLabel,
  empty,
  announceEmpty,
  ...table
}: {
  list: PagedList<T>;
  loadingLabel: string;
  empty: ReactNode;
  announceEmpty?: boolean;
} & Omit<DataTableProps<T>, 'items'>) {
  return (
    <>
      <ListingStates list={list} loadingLabel={loadingLabel} empty={empty} announceEmpty={announceEmpty}>
        {(items) => <DataTable items={items} {...table} />}
      </ListingStates>
      <LoadMore list={list} />
    </>
  );
}
