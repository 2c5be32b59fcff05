import { useState } from 'react';
import { listPermissions, type Permission, permissions } from '../../api/permissions';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { ScrollTable } from '../../components/ScrollTable';
import { useConfirmedAction } from '../confirmed-action';
import { useCreateForm } from '../create-form';
import { ListingStates, LoadMore, usePagedList } from '../paged-list';

const EMPTY = { name: '', slug: '', description: '' };

/** The workspace's permissions: list (100 a page), create (name, slug, description), delete after a confirmation. */
export function PermissionsSection({ readOnly, onChanged }: { readOnly: boolean; onChanged(): void }) {
  const list = usePagedList(listPermissions);
  const { reload } = list;
  const [form, setForm] = useState(EMPTY);
  const deletion = useConfirmedAction(
    (permission: Permission) => permissions.delete(permission.id),
    async () => {
      await reload();
      onChanged();
    },
  );

  const creation = useCreateForm(async () => {
    const slug = form.slug.trim();
    const description = form.description.trim();
    await permissions.create({ name: form.name.trim(), slug, ...(description ? { description } : {}) });
    setForm(EMPTY);
    await reload();
    onChanged();
    return `Created permission ${slug}.`;
  });

  return (
    <section aria-labelledby="permission-list">
      <h2 id="permission-list">Permissions</h2>
      <ListingStates list={list} loadingLabel="Loading permissions…" empty={<>No permissions yet.{readOnly ? '' : ' Create one below.'}</>}>
        {(items) => (
          <ScrollTable label="Permissions table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Slug</th>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  {!readOnly && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {items.map((permission) => (
                  <tr key={permission.id}>
                    <td>
                      <code>{permission.slug}</code>
                    </td>
                    <td>{permission.name}</td>
                    <td>{permission.description ?? '—'}</td>
                    {!readOnly && (
                      <td>
                        <button
                          type="button"
                          className="danger small"
                          aria-label={`Delete permission ${permission.slug}`}
                          onClick={() => deletion.ask(permission)}
                        >
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        )}
      </ListingStates>
      <LoadMore list={list} />

      {!readOnly && (
        <>
          <h3>Create a permission</h3>
          <form onSubmit={creation.onSubmit}>
            <div className="field-row">
              <Field
                label="Permission name"
                required
                maxLength={512}
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
              <Field
                label="Slug"
                required
                maxLength={128}
                pattern="[a-zA-Z0-9_:\-\.\*]+"
                hint="What keys hold and queries name, such as documents.read: letters, digits and _ : - . *"
                value={form.slug}
                onChange={(e) => setForm({ ...form, slug: e.target.value })}
              />
              <Field
                label="Permission description"
                maxLength={512}
                hint="Optional."
                value={form.description}
                onChange={(e) => setForm({ ...form, description: e.target.value })}
              />
            </div>
            <ErrorMessage error={creation.error} />
            {creation.done && (
              <p className="success" role="status">
                {creation.done}
              </p>
            )}
            <button type="submit" disabled={creation.busy}>
              {creation.busy ? 'Creating…' : 'Create permission'}
            </button>
          </form>
        </>
      )}

      {deletion.target && (
        <ConfirmDialog title={`Delete permission ${deletion.target.slug}?`} confirmLabel="Delete permission" {...deletion.dialog}>
          <p>
            Every key and role holding it loses it at once, and verifications asking for it fail. <code>{deletion.target.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
