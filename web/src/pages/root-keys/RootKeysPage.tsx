import { useState } from 'react';
import type { IssuedKey } from '../../api/keys';
import { listRootKeys, type RootKey, rootKeys } from '../../api/root-keys';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { IssuedKeyDialog } from '../../components/IssuedKeyDialog';
import { PageHeading } from '../../components/PageHeading';
import { RowButton } from '../../components/RowButton';
import { useSession } from '../../session';
import { useConfirmedAction } from '../confirmed-action';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
import { CreateRootKeyForm } from './CreateRootKeyForm';
import { RerollRootKeyDialog } from './RerollRootKeyDialog';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The workspace's root keys (rootKeys.*): list, create with a permission picker (the secret shown once, held only by its
 * dialog), reroll with a grace period (the new secret shown once, the old key listed with when it stops), revoke after a
 * confirmation. Root-key management is an admin's (docs/decisions/0015-operators-and-mfa.md):
 * for anyone else the server refuses the list, and its refusal is what the page shows, without the controls.
 */
export function RootKeysPage() {
  const { workspace } = useSession();
  // Root-key management is in the admin role's set only; others see the server's refusal of the list, and no controls.
  const readOnly = workspace?.role !== 'admin';
  const list = usePagedList(listRootKeys);
  const { reload } = list;
  const [issued, setIssued] = useState<IssuedKey>();
  const revocation = useConfirmedAction((rootKey: RootKey) => rootKeys.revoke(rootKey.id), reload);
  const [grace, setGrace] = useState(0);
  const [retiresAt, setRetiresAt] = useState<number>();
  const reroll = useConfirmedAction(async (rootKey: RootKey) => {
    const next = await rootKeys.reroll(rootKey.id, grace);
    setRetiresAt(next.oldKeyRetiresAt);
    setIssued({ keyId: next.rootKeyId, key: next.key });
  }, reload);

  return (
    <>
      <PageHeading>Root keys</PageHeading>
      <p className="lead">
        Root keys call Keyward's API for your services, each with the permissions it was given. A root key's secret is shown once, when it
        is created.
      </p>

      <section aria-labelledby="root-key-list">
        <h2 id="root-key-list">Your root keys</h2>
        {readOnly && <p className="hint">Root keys are created and revoked by the workspace's admins.</p>}
        <ListingTable
          list={list}
          loadingLabel="Loading root keys…"
          empty={<>No root keys yet.{readOnly ? '' : ' Create one below.'}</>}
          label="Root keys table"
          headers={['Name', 'Start', 'Environment', 'Permissions', 'Created', 'Expires', 'Last used']}
          rowKey={(rootKey) => rootKey.id}
          cells={(rootKey) => (
            <>
              <td>{rootKey.name ?? <code>{rootKey.id}</code>}</td>
              <td>
                <code>{rootKey.start}…</code>
              </td>
              <td>{rootKey.environment ?? '—'}</td>
              <td>
                <details>
                  <summary>
                    {rootKey.permissions.length} {rootKey.permissions.length === 1 ? 'permission' : 'permissions'}
                  </summary>
                  <ul className="access-list">
                    {rootKey.permissions.map((permission) => (
                      <li key={permission}>
                        <code>{permission}</code>
                      </li>
                    ))}
                  </ul>
                </details>
              </td>
              <td>{when.format(rootKey.createdAt)}</td>
              <td>
                {rootKey.expires === undefined ? 'Never' : when.format(rootKey.expires)}
                {rootKey.retiresAt !== undefined && <> (rerolled: stops {when.format(rootKey.retiresAt)})</>}
              </td>
              <td>{rootKey.lastUsedAt === undefined ? 'Never' : when.format(rootKey.lastUsedAt)}</td>
            </>
          )}
          actions={
            readOnly
              ? undefined
              : (rootKey) => (
                  <>
                    {/* A key in its grace period is not rerolled again (the server answers 412): its successor is. */}
                    {rootKey.retiresAt === undefined && (
                      <RowButton
                        label={`Reroll root key ${rootKey.name ?? rootKey.id}`}
                        onClick={() => {
                          setGrace(0);
                          reroll.ask(rootKey);
                        }}
                      >
                        Reroll
                      </RowButton>
                    )}
                    <RowButton danger label={`Revoke root key ${rootKey.name ?? rootKey.id}`} onClick={() => revocation.ask(rootKey)}>
                      Revoke
                    </RowButton>
                  </>
                )
          }
        />
      </section>

      {!readOnly && (
        <section aria-labelledby="create-root-key">
          <h2 id="create-root-key">Create a root key</h2>
          <CreateRootKeyForm
            onCreated={(created) => {
              setIssued(created);
              void reload();
            }}
          />
        </section>
      )}

      {issued && (
        <IssuedKeyDialog
          title={retiresAt === undefined ? 'Your new root key' : 'Your rerolled root key'}
          issued={issued}
          ifLost={
            retiresAt === undefined
              ? 'if it is lost, revoke it and create another'
              : `if it is lost, reroll it again. The old key stops working ${when.format(retiresAt)}`
          }
          onClose={() => {
            setIssued(undefined);
            setRetiresAt(undefined);
          }}
        />
      )}
      {reroll.target && <RerollRootKeyDialog rootKey={reroll.target} grace={grace} onGraceChange={setGrace} dialog={reroll.dialog} />}
      {revocation.target && (
        <ConfirmDialog
          title={`Revoke root key ${revocation.target.name ?? revocation.target.id}?`}
          confirmLabel="Revoke root key"
          {...revocation.dialog}
        >
          <p>
            Every call made with it is refused from now on. <code>{revocation.target.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
