import { useState } from 'react';
import { PageHeading } from '../../components/PageHeading';
import { useSession } from '../../session';
import { PermissionsSection } from './PermissionsSection';
import { RolesSection } from './RolesSection';

/**
 * The workspace's own permissions and roles (permissions.*): what its keys hold and verifyKey's permission queries match.
 * Root keys' permissions are another matter, on the Root keys page.
 */
export function PermissionsPage() {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  // Deleting a permission takes it out of every role: the roles' list reads again when this changes.
  const [permissionChanges, setPermissionChanges] = useState(0);
  return (
    <>
      <PageHeading>Permissions and roles</PageHeading>
      <p className="lead">
        Permissions are what your keys hold and what a verification's permission query asks for; a role is a named set of them. A key gets
        them directly or through its roles, on its own page.
      </p>
      <PermissionsSection readOnly={readOnly} onChanged={() => setPermissionChanges((count) => count + 1)} />
      <RolesSection readOnly={readOnly} permissionChanges={permissionChanges} />
    </>
  );
}
