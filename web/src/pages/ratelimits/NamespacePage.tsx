import { useCallback, useEffect, useState } from 'react';
import { findNamespace, listOverrides, type Override, ratelimits } from '../../api/ratelimits';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Link } from '../../components/Link';
import { Loading } from '../../components/Loading';
import { PageHeading } from '../../components/PageHeading';
import { pathOf } from '../../router';
import { useSession } from '../../session';
import { durationText } from '../form-numbers';
import { LoadMore, usePagedList } from '../paged-list';
import { SetOverrideForm } from './SetOverrideForm';
import { TryLimitForm } from './TryLimitForm';

/**
 * One namespace, by id: its overrides (ratelimit.listOverrides, 100 a page), set and deleted, and the Try it form.
 * The forms appear only once the overrides have loaded, which proves the namespace exists: ratelimit.limit would
 * otherwise create a namespace under a mistyped name.
 */
export function NamespacePage({ namespaceId }: { namespaceId: string }) {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const list = usePagedList(useCallback((cursor?: string) => listOverrides(namespaceId, cursor), [namespaceId]));
  // Only for the heading: the id stands in until the name is found, or if it is not (the overrides' error says why).
  const [name, setName] = useState<string>();
  useEffect(() => {
    findNamespace(namespaceId).then(
      (found) => setName(found?.name),
      () => setName(undefined),
    );
  }, [namespaceId]);
  const { listing, reload } = list;
  const [deleting, setDeleting] = useState<Override>();
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();

  const remove = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(undefined);
    try {
      await ratelimits.deleteOverride(namespaceId, deleting.identifier);
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
      <p>
        <Link href={pathOf('ratelimits')}>← Rate limits</Link>
      </p>
      <PageHeading>Namespace {name ?? namespaceId}</PageHeading>

      <section aria-labelledby="override-list">
        <h2 id="override-list">Overrides</h2>
        {listing.kind === 'loading' && <Loading label="Loading overrides…" block />}
        {listing.kind === 'failed' && (
          <>
            <ErrorMessage error={listing.error} />
            <button type="button" className="secondary" onClick={() => void reload()}>
              Try again
            </button>
          </>
        )}
        {listing.kind === 'loaded' && listing.items.length === 0 && (
          <p className="empty">No overrides in this namespace. Every identifier gets the limit its caller sends.</p>
        )}
        {listing.kind === 'loaded' && listing.items.length > 0 && (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so a keyboard can scroll it sideways on a narrow screen (axe's scrollable-region-focusable), as on the APIs page.
          <section className="table-scroll" aria-label="Overrides table" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Identifier</th>
                  <th scope="col">Limit</th>
                  <th scope="col">Window</th>
                  <th scope="col">Id</th>
                  {!readOnly && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {listing.items.map((override) => (
                  <tr key={override.overrideId}>
                    <td>
                      <code>{override.identifier}</code>
                    </td>
                    <td>{override.limit.toLocaleString()}</td>
                    <td>{durationText(override.duration)}</td>
                    <td>
                      <code>{override.overrideId}</code>
                    </td>
                    {!readOnly && (
                      <td>
                        <button
                          type="button"
                          className="danger small"
                          aria-label={`Delete override ${override.identifier}`}
                          onClick={() => {
                            setDeleteError(undefined);
                            setDeleting(override);
                          }}
                        >
                          Delete
                        </button>
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

      {!readOnly && listing.kind === 'loaded' && (
        <>
          <section>
            <SetOverrideForm namespaceId={namespaceId} onSaved={() => void reload()} />
          </section>
          <section>
            <TryLimitForm namespaceId={namespaceId} />
          </section>
        </>
      )}

      {deleting && (
        <ConfirmDialog
          title={`Delete override ${deleting.identifier}?`}
          confirmLabel="Delete override"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={remove}
          onCancel={() => setDeleting(undefined)}
        >
          <p>Matching identifiers get the limit their callers send again, from their next call.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
