import { PageHeading } from '../../components/PageHeading';
import { useSession } from '../../session';
import { NodesPanel } from './NodesPanel';
import { OperatorsPanel } from './OperatorsPanel';
import { VaultPanel } from './VaultPanel';
import { WorkspacePanel } from './WorkspacePanel';

/**
 * Settings (issue 15, part 2): the workspace, its operators, the vault, the nodes. Operators, vault and nodes are for
 * admins, as the server decides (dashboard.listOperators, getVaultStatus, listNodes); other roles are told so rather
 * than shown a refusal. Nodes are installation-wide: the server answers them to admins of the first workspace only,
 * and its refusal is shown to the others as it words it.
 */
export function SettingsPage() {
  const { workspace } = useSession();
  const admin = workspace?.role === 'admin';
  return (
    <>
      <PageHeading>Settings</PageHeading>
      <WorkspacePanel key={`workspace-${workspace?.id}`} />
      {admin ? (
        <>
          <OperatorsPanel key={`operators-${workspace?.id}`} />
          <VaultPanel key={`vault-${workspace?.id}`} />
          <NodesPanel key={`nodes-${workspace?.id}`} />
        </>
      ) : (
        <section aria-labelledby="settings-admins">
          <h2 id="settings-admins">Operators, vault and nodes</h2>
          <p className="empty">Only admins of this workspace see and manage operators, the vault and the nodes.</p>
        </section>
      )}
    </>
  );
}
