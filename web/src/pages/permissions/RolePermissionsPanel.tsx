import { useCallback, useEffect, useRef, useState } from 'react';
import { everything, listPermissions, type Permission, permissions, type Role } from '../../api/permissions';
import { ErrorMessage } from '../../components/ErrorMessage';
import { LoadFailed } from '../../components/LoadFailed';
import { Loading } from '../../components/Loading';
import { PermissionPicker } from '../../components/PermissionPicker';

type Loaded = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; all: Permission[] };

/**
 * One role's permissions, picked among all the workspace's (every page of permissions.listPermissions) and saved with
 * permissions.setRolePermissions, which replaces the set exactly: what is ticked here is what the role holds after.
 */
export function RolePermissionsPanel({ role, onSaved, onClose }: { role: Role; onSaved(): void; onClose(): void }) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [selected, setSelected] = useState<Set<string>>(() => new Set(role.permissions.map((permission) => permission.slug)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    setLoaded({ kind: 'loading' });
    try {
      setLoaded({ kind: 'loaded', all: await everything(listPermissions) });
    } catch (failure) {
      setLoaded({ kind: 'failed', error: failure });
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  // The panel opens below the table: focus moves to its heading, or a screen reader user would not know it opened.
  useEffect(() => heading.current?.focus(), []);

  const save = async () => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const after = await permissions.setRolePermissions(role.id, [...selected].sort());
      setSelected(new Set(after.map((permission) => permission.slug)));
      setSaved(`Saved the permissions of role ${role.name}.`);
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="role-permissions" className="panel">
      <h3 id="role-permissions" ref={heading} tabIndex={-1}>
        Permissions of role {role.name}
      </h3>
      {loaded.kind === 'loading' && <Loading label="Loading permissions…" />}
      {loaded.kind === 'failed' && <LoadFailed error={loaded.error} onRetry={load} />}
      {loaded.kind === 'loaded' && loaded.all.length === 0 && (
        <p className="empty">The workspace has no permissions yet: create one above.</p>
      )}
      {loaded.kind === 'loaded' && loaded.all.length > 0 && (
        <PermissionPicker
          groups={[
            {
              legend: `Permissions of ${role.name}`,
              options: loaded.all.map((permission) => ({ value: permission.slug, description: permission.description ?? permission.name })),
            },
          ]}
          selected={selected}
          onChange={setSelected}
          disabled={busy}
        />
      )}
      <ErrorMessage error={error} />
      {saved && (
        <p className="success" role="status">
          {saved}
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={busy || loaded.kind !== 'loaded'} onClick={() => void save()}>
          {busy ? 'Saving…' : 'Save role permissions'}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
