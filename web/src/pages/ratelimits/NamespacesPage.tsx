import { useState } from 'react';
import { listNamespaces, type Namespace, ratelimits } from '../../api/ratelimits';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Link } from '../../components/Link';
import { PageHeading } from '../../components/PageHeading';
import { RowButton } from '../../components/RowButton';
import { namespacePathOf } from '../../router';
import { useSession } from '../../session';
import { useConfirmedAction } from '../confirmed-action';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
import { RenameNamespaceDialog } from './RenameNamespaceDialog';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The workspace's rate-limit namespaces (ratelimitNamespaces.listNamespaces): rename, delete after a confirmation. */
export function NamespacesPage() {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const list = usePagedList(listNamespaces);
  const { reload } = list;
  const [renaming, setRenaming] = useState<Namespace>();
  const deletion = useConfirmedAction((namespace: Namespace) => ratelimits.delete(namespace.id), reload);

  return (
    <>
      <PageHeading>Rate limits</PageHeading>
      <p className="lead">
        A namespace holds the limits of one kind of call (<code>sms.send</code>, <code>api.requests</code>). It is created by the first
        ratelimit.limit call that names it; open one to see and set its overrides.
      </p>

      <section aria-labelledby="namespace-list">
        <h2 id="namespace-list">Namespaces</h2>
        <ListingTable
          list={list}
          loadingLabel="Loading namespaces…"
          empty="No namespaces yet. One appears here once a service calls ratelimit.limit with its name."
          label="Namespaces table"
          headers={['Name', 'Id', 'Created', 'Last changed']}
          rowKey={(namespace) => namespace.id}
          cells={(namespace) => (
            <>
              <td>
                <Link href={namespacePathOf(namespace.id)}>{namespace.name}</Link>
              </td>
              <td>
                <code>{namespace.id}</code>
              </td>
              <td>{when.format(namespace.createdAt)}</td>
              <td>{namespace.updatedAt === undefined ? '—' : when.format(namespace.updatedAt)}</td>
            </>
          )}
          actions={
            readOnly
              ? undefined
              : (namespace) => (
                  <>
                    <RowButton label={`Rename namespace ${namespace.name}`} onClick={() => setRenaming(namespace)}>
                      Rename
                    </RowButton>
                    <RowButton danger label={`Delete namespace ${namespace.name}`} onClick={() => deletion.ask(namespace)}>
                      Delete
                    </RowButton>
                  </>
                )
          }
        />
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
      {deletion.target && (
        <ConfirmDialog title={`Delete namespace ${deletion.target.name}?`} confirmLabel="Delete namespace" {...deletion.dialog}>
          <p>
            Its overrides go with it, and ratelimit.limit answers 410 for this name from then on. <code>{deletion.target.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
