import { useState } from 'react';
import { type DependencyState, settings } from '../../api/settings';
import { DataTable } from '../../components/DataTable';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Loading } from '../../components/Loading';
import { usePagedList } from '../paged-list';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const STATES: Record<DependencyState, string> = {
  ok: 'OK',
  unavailable: 'Unavailable',
  timeout: 'Timed out',
  unused: 'Not used',
  unchecked: 'Stopping',
};

/**
 * The installation's running nodes as the registry holds them (docs/operations.md, "Nodes"): the node answering marked,
 * what each saw of its database and Redis at its last heartbeat, and those silent for three heartbeats as gone.
 */
export function NodesPanel() {
  const [heartbeatSeconds, setHeartbeatSeconds] = useState<number>();
  const [fetchNodes] = useState(() => async () => {
    const list = await settings.listNodes();
    setHeartbeatSeconds(list.heartbeatSeconds);
    return list;
  });
  const { listing, reload } = usePagedList(fetchNodes);
  return (
    <section aria-labelledby="settings-nodes">
      <h2 id="settings-nodes">Nodes</h2>
      <p className="hint">
        Every Keyward server writes its row{heartbeatSeconds ? ` every ${heartbeatSeconds} s` : ''}; one silent for three of them is shown
        as gone.
      </p>
      {listing.kind === 'loading' && <Loading label="Loading nodes…" block />}
      {listing.kind === 'failed' && <ErrorMessage error={listing.error} />}
      {listing.kind === 'loaded' && listing.items.length === 0 && <p className="empty">No node has registered.</p>}
      {listing.kind === 'loaded' && listing.items.length > 0 && (
        <DataTable
          label="Nodes table"
          headers={['Name', 'Status', 'Host', 'Version', 'Database', 'Redis', 'Started', 'Last seen']}
          items={listing.items}
          rowKey={(node) => node.id}
          cells={(node) => (
            <>
              <td>
                {node.name}
                {node.current ? ' (this node)' : ''}
                <br />
                <code>{node.id}</code>
              </td>
              <td>{node.status === 'up' ? 'Up' : 'Gone'}</td>
              <td>{node.hostname}</td>
              <td>{node.version}</td>
              <td>
                {STATES[node.database]} ({node.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'})
              </td>
              <td>{STATES[node.redis]}</td>
              <td>{when.format(node.startedAt)}</td>
              <td>{when.format(node.lastSeenAt)}</td>
            </>
          )}
        />
      )}
      {listing.kind !== 'loading' && (
        <button type="button" className="secondary" onClick={() => void reload()}>
          Refresh nodes
        </button>
      )}
    </section>
  );
}
