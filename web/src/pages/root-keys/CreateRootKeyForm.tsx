import { type FormEvent, Fragment, useCallback, useEffect, useId, useState } from 'react';
import { type CataloguePermission, ROOT_KEY_ENVIRONMENTS, type RootKeyEnvironment, rootKeys } from '../../api/root-keys';
import type { IssuedKey } from '../../api/keys';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { Loading } from '../../components/Loading';
import { PermissionPicker } from '../../components/PermissionPicker';
import { isForm, pickerGroups, typedPermissions } from './catalogue-groups';

type Catalogue = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; entries: CataloguePermission[] };

/**
 * rootKeys.createRootKey's form: a name, the permissions (picked by area from rootKeys.listPermissions, or typed), an
 * optional expiry. The server grants nothing its caller lacks (docs/decisions/0009-root-keys-without-escalation.md), an
 * operator included: its refusal, naming the permission, is shown as it comes. The new key goes to onCreated, which
 * shows it once; this form never holds it.
 */
export function CreateRootKeyForm({ onCreated }: { onCreated(issued: IssuedKey): void }) {
  const [catalogue, setCatalogue] = useState<Catalogue>({ kind: 'loading' });
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [environment, setEnvironment] = useState<RootKeyEnvironment | ''>('');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [more, setMore] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const ids = useId();

  const loadCatalogue = useCallback(async () => {
    setCatalogue({ kind: 'loading' });
    try {
      setCatalogue({ kind: 'loaded', entries: await rootKeys.catalogue() });
    } catch (failure) {
      setCatalogue({ kind: 'failed', error: failure });
    }
  }, []);
  useEffect(() => {
    void loadCatalogue();
  }, [loadCatalogue]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const permissions = [...new Set([...selected, ...typedPermissions(more)])];
    if (permissions.length === 0) {
      setError(new Error('Pick at least one permission: a root key without any can do nothing.'));
      return;
    }
    let expiresAt: number | undefined;
    if (expires) {
      expiresAt = new Date(expires).getTime();
      if (!Number.isFinite(expiresAt)) {
        setError(new Error('Expiry is not a date and time.'));
        return;
      }
    }
    setBusy(true);
    try {
      const created = await rootKeys.create({
        name: name.trim(),
        permissions,
        ...(expiresAt === undefined ? {} : { expires: expiresAt }),
        ...(environment === '' ? {} : { environment }),
      });
      setName('');
      setExpires('');
      setEnvironment('');
      setSelected(new Set());
      setMore('');
      onCreated({ keyId: created.rootKeyId, key: created.key });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <div className="field-row">
        <Field
          label="Root key name"
          required
          maxLength={255}
          hint="What it is for, for people."
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <Field
          label="Expires"
          type="datetime-local"
          hint="Your local time; empty: never."
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
        />
        <div className="field">
          <label htmlFor={`${ids}-environment`}>Environment</label>
          <select
            id={`${ids}-environment`}
            aria-describedby={`${ids}-environment-hint`}
            value={environment}
            onChange={(e) => setEnvironment(e.target.value as RootKeyEnvironment | '')}
          >
            <option value="">None</option>
            {ROOT_KEY_ENVIRONMENTS.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
          <p className="hint" id={`${ids}-environment-hint`}>
            Shown in the list and written into the key (kw_root_prod_…), so it is recognisable at a glance.
          </p>
        </div>
      </div>
      <h3>Permissions</h3>
      <p className="hint">You can grant only permissions you hold yourself; the server refuses any other and names it.</p>
      {catalogue.kind === 'loading' && <Loading label="Loading the permissions…" block />}
      {catalogue.kind === 'failed' && (
        <>
          <ErrorMessage error={catalogue.error} />
          <button type="button" className="secondary" onClick={() => void loadCatalogue()}>
            Try again
          </button>
        </>
      )}
      {catalogue.kind === 'loaded' && (
        <>
          <PermissionPicker groups={pickerGroups(catalogue.entries)} selected={selected} onChange={setSelected} disabled={busy} />
          <div className="field">
            <label htmlFor={`${ids}-more`}>More permissions (one per line)</label>
            <textarea
              id={`${ids}-more`}
              aria-describedby={`${ids}-more-hint`}
              spellCheck={false}
              value={more}
              onChange={(e) => setMore(e.target.value)}
            />
            <p className="hint" id={`${ids}-more-hint`}>
              For one resource or by URN, with its id in place of the placeholder, such as <code>api.api_123.read_key</code>.
            </p>
          </div>
          <details>
            <summary>The forms these take</summary>
            <dl className="details">
              {catalogue.entries.filter(isForm).map((entry) => (
                <Fragment key={entry.permission}>
                  <dt>
                    <code>{entry.permission}</code>
                  </dt>
                  <dd>{entry.description}</dd>
                </Fragment>
              ))}
            </dl>
          </details>
        </>
      )}
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy || catalogue.kind !== 'loaded'}>
        {busy ? 'Creating…' : 'Create root key'}
      </button>
    </form>
  );
}
