import { type FormEvent, useCallback, useId, useState } from 'react';
import { listIdentities } from '../../api/identities';
import { Link } from '../../components/Link';
import { PageHeading } from '../../components/PageHeading';
import { identityPathOf } from '../../router';
import { useSession } from '../../session';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
import { CreateIdentityForm } from './CreateIdentityForm';

/**
 * The workspace's identities (identities.listIdentities, 100 a page): the server's search, which covers every identity
 * and not only the loaded page, and the create form.
 */
export function IdentitiesPage() {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  // The search applied (sent to the server) and the one being typed: a request per submitted search, not per keystroke.
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const list = usePagedList(useCallback((cursor?: string) => listIdentities(search, cursor), [search]));
  const { reload } = list;
  const ids = useId();

  const applySearch = (event: FormEvent) => {
    event.preventDefault();
    // The same search again reads the list again (it may have changed); a new one does so by changing the fetcher.
    if (typed.trim() === search) void reload();
    else setSearch(typed.trim());
  };

  return (
    <>
      <PageHeading>Identities</PageHeading>
      <p className="lead">An identity is someone your keys belong to (a user, a team). Its keys share its meta and its rate limits.</p>

      {!readOnly && (
        <section aria-labelledby="create-identity">
          <h2 id="create-identity">Create an identity</h2>
          <CreateIdentityForm onCreated={() => void reload()} />
        </section>
      )}

      <section aria-labelledby="identity-list">
        <h2 id="identity-list">Your identities</h2>
        <search>
          <form className="inline-form" onSubmit={applySearch}>
            <div className="field">
              <label htmlFor={`${ids}-search`}>Search identities</label>
              <input
                id={`${ids}-search`}
                type="search"
                maxLength={256}
                aria-describedby={`${ids}-search-hint`}
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
              <p className="hint" id={`${ids}-search-hint`}>
                Part of an id or an external id, ignoring case; the server searches every identity. Empty: all of them.
              </p>
            </div>
            <button type="submit" className="secondary">
              Search
            </button>
          </form>
        </search>
        <ListingTable
          list={list}
          loadingLabel="Loading identities…"
          empty={search ? `No identity matches “${search}”.` : `No identities yet.${readOnly ? '' : ' Create one above.'}`}
          announceEmpty
          label="Identities table"
          headers={['External id', 'Id', 'Rate limits', 'Meta']}
          rowKey={(identity) => identity.id}
          cells={(identity) => (
            <>
              <td>
                <Link href={identityPathOf(identity.id)}>{identity.externalId}</Link>
              </td>
              <td>
                <code>{identity.id}</code>
              </td>
              <td>{identity.ratelimits.length}</td>
              <td>{identity.meta && Object.keys(identity.meta).length > 0 ? Object.keys(identity.meta).join(', ') : '—'}</td>
            </>
          )}
        />
      </section>
    </>
  );
}
