import { useCallback, useEffect, useState } from 'react';
import { findNamespace, listOverrides, type Override, ratelimits } from '../../api/ratelimits';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Link } from '../../components/Link';
import { PageHeading } from '../../components/PageHeading';
import { RowButton } from '../../components/RowButton';
import { pathOf } from '../../router';
import { useSession } from '../../session';
import { useConfirmedAction } from '../confirmed-action';
import { durationText } from '../form-numbers';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
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
  const deletion = useConfirmedAction((override: Override) => ratelimits.deleteOverride(namespaceId, override.identifier), reload);

  return (
    <>
      <p>
        <Link href={pathOf('ratelimits')}>← Rate limits</Link>
      </p>
      <PageHeading>Namespace {name ?? namespaceId}</PageHeading>

      <section aria-labelledby="override-list">
        <h2 id="override-list">Overrides</h2>
        <ListingTable
          list={list}
          loadingLabel="Loading overrides…"
          empty="No overrides in this namespace. Every identifier gets the limit its caller sends."
          label="Overrides table"
          headers={['Identifier', 'Limit', 'Window', 'Id']}
          rowKey={(override) => override.overrideId}
          cells={(override) => (
            <>
              <td>
                <code>{override.identifier}</code>
              </td>
              <td>{override.limit.toLocaleString()}</td>
              <td>{durationText(override.duration)}</td>
              <td>
                <code>{override.overrideId}</code>
              </td>
            </>
          )}
          actions={
            readOnly
              ? undefined
              : (override) => (
                  <RowButton danger label={`Delete override ${override.identifier}`} onClick={() => deletion.ask(override)}>
                    Delete
                  </RowButton>
                )
          }
        />
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

      {deletion.target && (
        <ConfirmDialog title={`Delete override ${deletion.target.identifier}?`} confirmLabel="Delete override" {...deletion.dialog}>
          <p>Matching identifiers get the limit their callers send again, from their next call.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
