import { useEffect, useState } from 'react';
import { listRoles, permissions, type Role } from '../../api/permissions';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { RowButton } from '../../components/RowButton';
import { useConfirmedAction } from '../confirmed-action';
import { useFormSubmit } from '../form-submit';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
import { RolePermissionsPanel } from './RolePermissionsPanel';

/**
 * The workspace's roles: list with each role's permissions, create (name, description), delete after a confirmation,
 * and a panel to set a role's permissions. `permissionChanges` counts the permissions created or deleted on this page:
 * a deleted one leaves every role, so the list reads again.
 */
export function RolesSection({ readOnly, permissionChanges }: { readOnly: boolean; permissionChanges: number }) {
  const list = usePagedList(listRoles);
  const { reload } = list;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [editing, setEditing] = useState<Role>();
  const deletion = useConfirmedAction(async (role: Role) => {
    await permissions.deleteRole(role.id);
    if (editing?.id === role.id) setEditing(undefined);
  }, reload);

  useEffect(() => {
    if (permissionChanges > 0) void reload();
  }, [permissionChanges, reload]);

  const creation = useFormSubmit(async () => {
    const trimmed = description.trim();
    await permissions.createRole({ name: name.trim(), ...(trimmed ? { description: trimmed } : {}) });
    setName('');
    setDescription('');
    await reload();
    return `Created role ${name.trim()}.`;
  });

  return (
    <section aria-labelledby="role-list">
      <h2 id="role-list">Roles</h2>
      <ListingTable
        list={list}
        loadingLabel="Loading roles…"
        empty={<>No roles yet.{readOnly ? '' : ' Create one below.'}</>}
        label="Roles table"
        headers={['Role', 'Description', 'Permissions']}
        rowKey={(role) => role.id}
        cells={(role) => (
          <>
            <td>
              <code>{role.name}</code>
            </td>
            <td>{role.description ?? '—'}</td>
            <td>{role.permissions.length ? role.permissions.map((permission) => permission.slug).join(', ') : 'None'}</td>
          </>
        )}
        actions={
          readOnly
            ? undefined
            : (role) => (
                <>
                  <RowButton
                    label={`Edit permissions of role ${role.name}`}
                    aria-expanded={editing?.id === role.id}
                    onClick={() => setEditing(editing?.id === role.id ? undefined : role)}
                  >
                    Permissions
                  </RowButton>
                  <RowButton danger label={`Delete role ${role.name}`} onClick={() => deletion.ask(role)}>
                    Delete
                  </RowButton>
                </>
              )
        }
      />

      {editing && !readOnly && (
        <RolePermissionsPanel key={editing.id} role={editing} onSaved={() => void reload()} onClose={() => setEditing(undefined)} />
      )}

      {!readOnly && (
        <>
          <h3>Create a role</h3>
          <form onSubmit={creation.onSubmit}>
            <div className="field-row">
              <Field label="Role name" required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} />
              <Field
                label="Role description"
                maxLength={512}
                hint="Optional."
                value={description}
                onChange={(e) => setDescription(e.target.value)}
              />
            </div>
            <FormFooter error={creation.error} done={creation.done} busy={creation.busy} submitLabel="Create role" />
          </form>
        </>
      )}

      {deletion.target && (
        <ConfirmDialog title={`Delete role ${deletion.target.name}?`} confirmLabel="Delete role" {...deletion.dialog}>
          <p>
            Keys holding it lose its permissions at once. <code>{deletion.target.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
