import { useState } from 'react';
import { listNamespaces, type Namespace, ratelimits } from '../../api/ratelimits';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Link } from '../../components/Link';
import { Loading } from '../../components/Loading';
import { PageHeading } from '../../components/PageHeading';
import { namespacePathOf } from '../../router';
import { useSession } from '../../session';
import { LoadMore, usePagedList } from '../paged-list';
import { RenameNamespaceDialog } from './RenameNamespaceDialog';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The workspace's rate-limit namespaces (ratelimitNamespaces.listNamespaces): rename, delete after a confirmation. */
export function NamespacesPage() {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const list = usePagedList(listNamespaces);
  const { listing, reload } = list;
  const [renaming, setRenaming] = useState<Namespace>();
  const [deleting, setDeleting] = useState<Namespace>();
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();

  const remove = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(undefined);
    try {
      await ratelimits.delete(deleting.id);
      setDeleting(undefined);
      await reload();
    } catch (error) {
      setDeleteError(error);
    } finally {
      setDeleteBusy(false);
    }
  };

  return (
    <>
      <PageHeading>Rate limits</PageHeading>
      <p className="lead">
        A namespace holds the limits of one kind of call (<code>sms.send</code>, <code>api.requests</code>). It is created by the first
        ratelimit.limit call that names it; open one to see and set its overrides.
      </p>

      <section aria-labelledby="namespace-list">
        <h2 id="namespace-list">Namespaces</h2>
        {listing.kind === 'loading' && <Loading label="Loading namespaces…" block />}
        {listing.kind === 'failed' && (
          <>
            <ErrorMessage error={listing.error} />
            <button type="button" className="secondary" onClick={() => void reload()}>
              Try again
            </button>
          </>
        )}
        {listing.kind === 'loaded' && listing.items.length === 0 && (
          <p className="empty">No namespaces yet. One appears here once a service calls ratelimit.limit with its name.</p>
        )}
        {listing.kind === 'loaded' && listing.items.length > 0 && (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so a keyboard can scroll it sideways on a narrow screen (axe's scrollable-region-focusable), as on the APIs page.
          <section className="table-scroll" aria-label="Namespaces table" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last changed</th>
                  {!readOnly && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {listing.items.map((namespace) => (
                  <tr key={namespace.id}>
                    <td>
                      <Link href={namespacePathOf(namespace.id)}>{namespace.name}</Link>
                    </td>
                    <td>
                      <code>{namespace.id}</code>
                    </td>
                    <td>{when.format(namespace.createdAt)}</td>
                    <td>{namespace.updatedAt === undefined ? '—' : when.format(namespace.updatedAt)}</td>
                    {!readOnly && (
                      <td>
                        <span className="row-actions">
                          <button
                            type="button"
                            className="secondary small"
                            aria-label={`Rename namespace ${namespace.name}`}
                            onClick={() => setRenaming(namespace)}
                          >
                            Rename
                          </button>
                          <button
                            type="button"
                            className="danger small"
                            aria-label={`Delete namespace ${namespace.name}`}
                            onClick={() => {
                              setDeleteError(undefined);
                              setDeleting(namespace);
                            }}
                          >
                            Delete
                          </button>
                        </span>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        <LoadMore list={list} />
      </section>

      {renaming && (
        <RenameNamespaceDialog
          namespace={renaming}
          onRenamed={() => {
            setRenaming(undefined);
            void reload();
          }}
          onCancel={() => setRenaming(undefined)}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete namespace ${deleting.name}?`}
          confirmLabel="Delete namespace"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={remove}
          onCancel={() => setDeleting(undefined)}
        >
          <p>
            Its overrides go with it, and ratelimit.limit answers 410 for this name from then on. <code>{deleting.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
