import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { type Key, keys } from '../api/keys';
import { everything, keyAccess, listPermissions, listRoles, type Permission, type Role } from '../api/permissions';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { LoadFailed } from '../components/LoadFailed';
import { Loading } from '../components/Loading';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'loaded'; key: Key; roles: Role[]; permissions: Permission[] };

/**
 * A key's permissions and roles on its page, with add and remove (keys.add/removePermissions, keys.add/removeRoles).
 * keys.getKey lists every permission the key holds, direct and through its roles alike; those the key's roles give are
 * told apart with the workspace's roles (permissions.listRoles). Only direct permissions can be removed from the key: the
 * others go with their role. The add and remove operations answer the key's direct permissions, which then replace the
 * guess (a permission held both directly and through a role is known to be direct only from then on).
 */
export function KeyAccessSection({ keyId, readOnly }: { keyId: string; readOnly: boolean }) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [direct, setDirect] = useState<string[]>();
  const [slug, setSlug] = useState('');
  const [roleToAdd, setRoleToAdd] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const ids = useId();

  const load = useCallback(async () => {
    try {
      // The workspace's permissions only feed the add field's suggestions: a read-only operator has no add field.
      const [key, roles, all] = await Promise.all([
        keys.get(keyId),
        everything(listRoles),
        readOnly ? Promise.resolve([]) : everything(listPermissions),
      ]);
      setLoaded({ kind: 'loaded', key, roles, permissions: all });
    } catch (failure) {
      setLoaded({ kind: 'failed', error: failure });
    }
  }, [keyId, readOnly]);
  useEffect(() => {
    void load();
  }, [load]);

  if (loaded.kind === 'loading')
    return (
      <section aria-labelledby="key-access">
        <h2 id="key-access">Permissions and roles</h2>
        <Loading label="Loading permissions and roles…" />
      </section>
    );
  if (loaded.kind === 'failed')
    return (
      <section aria-labelledby="key-access">
        <h2 id="key-access">Permissions and roles</h2>
        <LoadFailed error={loaded.error} onRetry={load} />
      </section>
    );

  const held = loaded.key.permissions ?? [];
  const keyRoles = loaded.key.roles ?? [];
  const throughRoles = (permission: string) =>
    loaded.roles
      .filter((role) => keyRoles.includes(role.name) && role.permissions.some((p) => p.slug === permission))
      .map((role) => role.name);
  const isDirect = (permission: string) => (direct ? direct.includes(permission) : throughRoles(permission).length === 0);
  const otherRoles = loaded.roles.filter((role) => !keyRoles.includes(role.name));
  const chosenRole = otherRoles.some((role) => role.name === roleToAdd) ? roleToAdd : (otherRoles[0]?.name ?? '');

  /** Runs one change and reads the key again, so the lists show what the server now holds; true if it was made. */
  const act = async (done: string, change: () => Promise<Permission[] | Role[]>, answersDirect: boolean): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const after = await change();
      if (answersDirect) setDirect((after as Permission[]).map((permission) => permission.slug));
      setSaved(done);
      await load();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const addPermission = (event: FormEvent) => {
    event.preventDefault();
    const wanted = slug.trim();
    if (!wanted) return;
    void act(`Added permission ${wanted}.`, () => keyAccess.addPermissions(keyId, [wanted]), true).then((made) => {
      // A refused slug stays in the field, to be corrected.
      if (made) setSlug('');
    });
  };
  const addRole = (event: FormEvent) => {
    event.preventDefault();
    if (!chosenRole) return;
    void act(`Added role ${chosenRole}.`, () => keyAccess.addRoles(keyId, [chosenRole]), false);
  };

  return (
    <section aria-labelledby="key-access">
      <h2 id="key-access">Permissions and roles</h2>
      <h3>Permissions</h3>
      {held.length ? (
        <ul aria-label="Permissions" className="access-list">
          {held.map((permission) => {
            const roles = throughRoles(permission);
            const source = [isDirect(permission) ? 'direct' : '', roles.length ? `through role ${roles.join(', ')}` : '']
              .filter(Boolean)
              .join(' and ');
            return (
              <li key={permission}>
                <code>{permission}</code>
                <span className="hint">{source}</span>
                {!readOnly && isDirect(permission) && (
                  <button
                    type="button"
                    className="secondary small"
                    disabled={busy}
                    aria-label={`Remove permission ${permission}`}
                    onClick={() =>
                      void act(`Removed permission ${permission}.`, () => keyAccess.removePermissions(keyId, [permission]), true)
                    }
                  >
                    Remove
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="empty">None.</p>
      )}
      <h3>Roles</h3>
      {keyRoles.length ? (
        <ul aria-label="Roles" className="access-list">
          {keyRoles.map((role) => (
            <li key={role}>
              <code>{role}</code>
              {!readOnly && (
                <button
                  type="button"
                  className="secondary small"
                  disabled={busy}
                  aria-label={`Remove role ${role}`}
                  onClick={() => void act(`Removed role ${role}.`, () => keyAccess.removeRoles(keyId, [role]), false)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">None.</p>
      )}

      {!readOnly && (
        <>
          <ErrorMessage error={error} />
          {saved && (
            <p className="success" role="status">
              {saved}
            </p>
          )}
          <form className="inline-form" onSubmit={addPermission}>
            <Field
              label="Permission to add"
              required
              maxLength={128}
              list={`${ids}-slugs`}
              hint="A permission's slug; one the workspace lacks is created."
              value={slug}
              onChange={(e) => setSlug(e.target.value)}
            />
            <datalist id={`${ids}-slugs`}>
              {loaded.permissions
                .filter((permission) => !held.includes(permission.slug))
                .map((permission) => (
                  <option key={permission.id} value={permission.slug} />
                ))}
            </datalist>
            <button type="submit" className="secondary" disabled={busy}>
              Add permission
            </button>
          </form>
          {otherRoles.length > 0 ? (
            <form className="inline-form" onSubmit={addRole}>
              <div className="field">
                <label htmlFor={`${ids}-role`}>Role to add</label>
                <select id={`${ids}-role`} value={chosenRole} onChange={(e) => setRoleToAdd(e.target.value)}>
                  {otherRoles.map((role) => (
                    <option key={role.id} value={role.name}>
                      {role.name}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" className="secondary" disabled={busy}>
                Add role
              </button>
            </form>
          ) : (
            <p className="hint">
              {loaded.roles.length
                ? 'The key has every role of the workspace.'
                : 'The workspace has no roles yet: create them on the Permissions page.'}
            </p>
          )}
        </>
      )}
    </section>
  );
}
