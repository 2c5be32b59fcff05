import { useState } from 'react';
import { listPermissions, type Permission, permissions } from '../../api/permissions';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { RowButton } from '../../components/RowButton';
import { useConfirmedAction } from '../confirmed-action';
import { useFormSubmit } from '../form-submit';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';

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

  const creation = useFormSubmit(async () => {
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
      <ListingTable
        list={list}
        loadingLabel="Loading permissions…"
        empty={<>No permissions yet.{readOnly ? '' : ' Create one below.'}</>}
        label="Permissions table"
        headers={['Slug', 'Name', 'Description']}
        rowKey={(permission) => permission.id}
        cells={(permission) => (
          <>
            <td>
              <code>{permission.slug}</code>
            </td>
            <td>{permission.name}</td>
            <td>{permission.description ?? '—'}</td>
          </>
        )}
        actions={
          readOnly
            ? undefined
            : (permission) => (
                <RowButton danger label={`Delete permission ${permission.slug}`} onClick={() => deletion.ask(permission)}>
                  Delete
                </RowButton>
              )
        }
      />

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
            <FormFooter error={creation.error} done={creation.done} busy={creation.busy} submitLabel="Create permission" />
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
