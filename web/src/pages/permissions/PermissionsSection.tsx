import { type FormEvent, useState } from 'react';
import { listPermissions, type Permission, permissions } from '../../api/permissions';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { Loading } from '../../components/Loading';
import { LoadMore, usePagedList } from '../paged-list';

const EMPTY = { name: '', slug: '', description: '' };

/** The workspace's permissions: list (100 a page), create (name, slug, description), delete after a confirmation. */
export function PermissionsSection({ readOnly, onChanged }: { readOnly: boolean; onChanged(): void }) {
  const list = usePagedList(listPermissions);
  const { listing, reload } = list;
  const [form, setForm] = useState(EMPTY);
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>();
  const [created, setCreated] = useState<string>();
  const [deleting, setDeleting] = useState<Permission>();
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreating(true);
    setCreateError(undefined);
    setCreated(undefined);
    try {
      const slug = form.slug.trim();
      const description = form.description.trim();
      await permissions.create({ name: form.name.trim(), slug, ...(description ? { description } : {}) });
      setCreated(`Created permission ${slug}.`);
      setForm(EMPTY);
      await reload();
      onChanged();
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
      await permissions.delete(deleting.id);
      setDeleting(undefined);
      await reload();
      onChanged();
    } catch (error) {
      setDeleteError(error);
    } finally {
      setDeleteBusy(false);
    }
  };

  return (
    <section aria-labelledby="permission-list">
      <h2 id="permission-list">Permissions</h2>
      {listing.kind === 'loading' && <Loading label="Loading permissions…" block />}
      {listing.kind === 'failed' && (
        <>
          <ErrorMessage error={listing.error} />
          <button type="button" className="secondary" onClick={() => void reload()}>
            Try again
          </button>
        </>
      )}
      {listing.kind === 'loaded' && listing.items.length === 0 && (
        <p className="empty">No permissions yet.{readOnly ? '' : ' Create one below.'}</p>
      )}
      {listing.kind === 'loaded' && listing.items.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so a keyboard can scroll it sideways on a narrow screen (axe's scrollable-region-focusable), as on the APIs page.
        <section className="table-scroll" aria-label="Permissions table" tabIndex={0}>
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
              {listing.items.map((permission) => (
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
                        onClick={() => {
                          setDeleteError(undefined);
                          setDeleting(permission);
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

      {!readOnly && (
        <>
          <h3>Create a permission</h3>
          <form onSubmit={create}>
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
            <ErrorMessage error={createError} />
            {created && (
              <p className="success" role="status">
                {created}
              </p>
            )}
            <button type="submit" disabled={creating}>
              {creating ? 'Creating…' : 'Create permission'}
            </button>
          </form>
        </>
      )}

      {deleting && (
        <ConfirmDialog
          title={`Delete permission ${deleting.slug}?`}
          confirmLabel="Delete permission"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={() => void remove()}
          onCancel={() => setDeleting(undefined)}
        >
          <p>
            Every key and role holding it loses it at once, and verifications asking for it fail. <code>{deleting.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
