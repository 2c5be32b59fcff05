import { useCallback, useId, useState } from 'react';
import { type IssuedKey, type Key, listKeys } from '../api/keys';
import { DataTable } from '../components/DataTable';
import { IssuedKeyDialog } from '../components/IssuedKeyDialog';
import { Link } from '../components/Link';
import { PageHeading } from '../components/PageHeading';
import { keyPathOf, pathOf } from '../router';
import { useSession } from '../session';
import { ApiNavigation } from './apis/ApiNavigation';
import { CreateKeyForm } from './CreateKeyForm';
import { ListingStates, LoadMore, usePagedList } from './paged-list';
import { useDebounced } from './use-debounced';

type StateFilter = 'all' | 'enabled' | 'disabled';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** How long the search box waits after the last keystroke before asking the server. */
const SEARCH_DELAY_MS = 300;

export const creditsText = (key: Key) =>
  key.credits === undefined || key.credits.remaining === null ? 'Unlimited' : key.credits.remaining.toLocaleString();

/**
 * One API's keys (apis.listKeys, 100 a page), searched by the server (its `search`, asked once typing pauses), filtered
 * by state among those loaded, and the create-key form.
 */
export function KeysPage({ apiId }: { apiId: string }) {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const [search, setSearch] = useState('');
  const searched = useDebounced(search, SEARCH_DELAY_MS).trim();
  const list = usePagedList(useCallback((cursor?: string) => listKeys(apiId, cursor, searched), [apiId, searched]));
  const { reload: load } = list;
  const [stateFilter, setStateFilter] = useState<StateFilter>('all');
  const [issued, setIssued] = useState<IssuedKey>();
  const ids = useId();

  return (
    <>
      <p>
        <Link href={pathOf('apis')}>← APIs</Link>
      </p>
      <PageHeading>Keys</PageHeading>
      <ApiNavigation apiId={apiId} current="keys" />
      <p className="lead">
        The keys of API <code>{apiId}</code>. A key's secret is shown once, when it is created or rerolled.
      </p>

      <section aria-labelledby="key-list">
        <h2 id="key-list">Keys of this API</h2>
        <div className="toolbar">
          <div className="field">
            <label htmlFor={`${ids}-search`}>Search keys</label>
            <input
              id={`${ids}-search`}
              type="search"
              aria-describedby={`${ids}-search-hint`}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <p className="hint" id={`${ids}-search-hint`}>
              Keys whose name contains it or whose start begins with it, among all of this API's keys.
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-state`}>Show</label>
            <select id={`${ids}-state`} value={stateFilter} onChange={(e) => setStateFilter(e.target.value as StateFilter)}>
              <option value="all">All keys</option>
              <option value="enabled">Enabled only</option>
              <option value="disabled">Disabled only</option>
            </select>
          </div>
        </div>
        <ListingStates
          list={list}
          loadingLabel="Loading keys…"
          empty={searched ? 'No key matches the search.' : <>No keys yet.{readOnly ? '' : ' Create one below.'}</>}
          announceEmpty={Boolean(searched)}
        >
          {(items) => {
            const shown = items.filter((key) => stateFilter === 'all' || key.enabled === (stateFilter === 'enabled'));
            if (shown.length === 0)
              return (
                <p className="empty" role="status">
                  No loaded key is {stateFilter}.
                </p>
              );
            return (
              <DataTable
                label="Keys table"
                headers={['Name', 'Start', 'Identity', 'Credits', 'Enabled', 'Created']}
                items={shown}
                rowKey={(key) => key.keyId}
                cells={(key) => (
                  <>
                    <td>
                      <Link href={keyPathOf(apiId, key.keyId)}>{key.name ?? key.keyId}</Link>
                    </td>
                    <td>
                      <code>{key.start}…</code>
                    </td>
                    <td>{key.identity?.externalId ?? '—'}</td>
                    <td>{creditsText(key)}</td>
                    <td>{key.enabled ? 'Yes' : 'No'}</td>
                    <td>{when.format(key.createdAt)}</td>
                  </>
                )}
              />
            );
          }}
        </ListingStates>
        <LoadMore list={list} />
      </section>

      {!readOnly && (
        <section aria-labelledby="create-key">
          <h2 id="create-key">Create a key</h2>
          <CreateKeyForm
            apiId={apiId}
            onCreated={(key) => {
              setIssued(key);
              void load();
            }}
          />
        </section>
      )}

      {issued && <IssuedKeyDialog title="Your new key" issued={issued} onClose={() => setIssued(undefined)} />}
    </>
  );
}
