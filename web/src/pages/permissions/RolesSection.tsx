import { type FormEvent, useEffect, useState } from 'react';
import { listRoles, permissions, type Role } from '../../api/permissions';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { Loading } from '../../components/Loading';
import { LoadMore, usePagedList } from '../paged-list';
import { RolePermissionsPanel } from './RolePermissionsPanel';

/**
 * The workspace's roles: list with each role's permissions, create (name, description), delete after a confirmation,
 * and a panel to set a role's permissions. `permissionChanges` counts the permissions created or deleted on this page:
 * a deleted one leaves every role, so the list reads again.
 */
export function RolesSection({ readOnly, permissionChanges }: { readOnly: boolean; permissionChanges: number }) {
  const list = usePagedList(listRoles);
  const { listing, reload } = list;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>();
  const [created, setCreated] = useState<string>();
  const [editing, setEditing] = useState<Role>();
  const [deleting, setDeleting] = useState<Role>();
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();

  useEffect(() => {
    if (permissionChanges > 0) void reload();
  }, [permissionChanges, reload]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreating(true);
    setCreateError(undefined);
    setCreated(undefined);
    try {
      const trimmed = description.trim();
      await permissions.createRole({ name: name.trim(), ...(trimmed ? { description: trimmed } : {}) });
      setCreated(`Created role ${name.trim()}.`);
      setName('');
      setDescription('');
      await reload();
    } catch (error) {
      setCreateError(error);
    } finally {
      setCreating(false);
    }
  };

  const remove = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(undefined);
    try {
      await permissions.deleteRole(deleting.id);
      if (editing?.id === deleting.id) setEditing(undefined);
      setDeleting(undefined);
      await reload();
    } catch (error) {
      setDeleteError(error);
    } finally {
      setDeleteBusy(false);
    }
  };

  return (
    <section aria-labelledby="role-list">
      <h2 id="role-list">Roles</h2>
      {listing.kind === 'loading' && <Loading label="Loading roles…" block />}
      {listing.kind === 'failed' && (
        <>
          <ErrorMessage error={listing.error} />
          <button type="button" className="secondary" onClick={() => void reload()}>
            Try again
          </button>
        </>
      )}
      {listing.kind === 'loaded' && listing.items.length === 0 && (
        <p className="empty">No roles yet.{readOnly ? '' : ' Create one below.'}</p>
      )}
      {listing.kind === 'loaded' && listing.items.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so a keyboard can scroll it sideways on a narrow screen (axe's scrollable-region-focusable), as on the APIs page.
        <section className="table-scroll" aria-label="Roles table" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Description</th>
                <th scope="col">Permissions</th>
                {!readOnly && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {listing.items.map((role) => (
                <tr key={role.id}>
                  <td>
                    <code>{role.name}</code>
                  </td>
                  <td>{role.description ?? '—'}</td>
                  <td>{role.permissions.length ? role.permissions.map((permission) => permission.slug).join(', ') : 'None'}</td>
                  {!readOnly && (
                    <td>
                      <div className="actions">
                        <button
                          type="button"
                          className="secondary small"
                          aria-label={`Edit permissions of role ${role.name}`}
                          aria-expanded={editing?.id === role.id}
                          onClick={() => setEditing(editing?.id === role.id ? undefined : role)}
                        >
                          Permissions
                        </button>
                        <button
                          type="button"
                          className="danger small"
                          aria-label={`Delete role ${role.name}`}
                          onClick={() => {
                            setDeleteError(undefined);
                            setDeleting(role);
                          }}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <LoadMore list={list} />

      {editing && !readOnly && (
        <RolePermissionsPanel key={editing.id} role={editing} onSaved={() => void reload()} onClose={() => setEditing(undefined)} />
      )}

      {!readOnly && (
        <>
          <h3>Create a role</h3>
          <form onSubmit={create}>
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
            <ErrorMessage error={createError} />
            {created && (
              <p className="success" role="status">
                {created}
              </p>
            )}
            <button type="submit" disabled={creating}>
              {creating ? 'Creating…' : 'Create role'}
            </button>
          </form>
        </>
      )}

      {deleting && (
        <ConfirmDialog
          title={`Delete role ${deleting.name}?`}
          confirmLabel="Delete role"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={() => void remove()}
          onCancel={() => setDeleting(undefined)}
        >
          <p>
            Keys holding it lose its permissions at once. <code>{deleting.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
