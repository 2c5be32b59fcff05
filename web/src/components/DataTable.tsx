import type { ReactNode } from 'react';
import { ScrollTable } from './ScrollTable';

export interface DataTableProps<T> {
  /** Names the scrolling region ("Endpoints table"): how screen readers and the browser tests find the table. */
  label: string;
  /** A page's own class beside `table-scroll` (ScrollTable.tsx). */
  className?: string;
  /** The column headers, in order, without the actions column. */
  headers: readonly string[];
  items: readonly T[];
  rowKey(item: T): string;
  /** A row's cells (`<td>`s), in the order of `headers`. */
  cells(item: T): ReactNode;
  /**
   * A row's buttons and links, in a last column whose header only screen readers read (`actionsHeader`). Left out
   * (undefined) when the operator may do nothing to a row: then the column is not there at all.
   */
  actions?: (item: T) => ReactNode;
  actionsHeader?: string;
}

/**
 * A table of things, one row each, with scope="col" headers and an optional actions column, inside a ScrollTable:
 * the one shape every listing of the dashboard shows.
 */
export function DataTable<T>({ label, className, headers, items, rowKey, cells, actions, actionsHeader = 'Actions' }: DataTableProps<T>) {
  return (
    <ScrollTable label={label} className={className}>
      <table>
        <thead>
          <tr>
            {headers.map((header) => (
              <th key={header} scope="col">
                {header}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">{actionsHeader}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={rowKey(item)}>
              {cells(item)}
              {actions && (
                <td>
                  <span className="row-actions">{actions(item)}</span>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
