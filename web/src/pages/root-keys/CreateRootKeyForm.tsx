import { Fragment, useCallback, useEffect, useId, useState } from 'react';
import type { IssuedKey } from '../../api/keys';
import { type CataloguePermission, ROOT_KEY_ENVIRONMENTS, type RootKeyEnvironment, rootKeys } from '../../api/root-keys';
import { ExpiresField } from '../../components/ExpiresField';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { LoadFailed } from '../../components/LoadFailed';
import { Loading } from '../../components/Loading';
import { PermissionPicker } from '../../components/PermissionPicker';
import { useFormSubmit } from '../form-submit';
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

  // No sentence of its own: the new key's dialog says it all.
  const submit = useFormSubmit(async () => {
    const permissions = [...new Set([...selected, ...typedPermissions(more)])];
    if (permissions.length === 0) throw new Error('Pick at least one permission: a root key without any can do nothing.');
    let expiresAt: number | undefined;
    if (expires) {
      expiresAt = new Date(expires).getTime();
      if (!Number.isFinite(expiresAt)) throw new Error('Expiry is not a date and time.');
    }
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
    return undefined;
  });

  return (
    <form onSubmit={submit.onSubmit}>
      <div className="field-row">
        <Field
          label="Root key name"
          required
          maxLength={255}
          hint="What it is for, for people."
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <ExpiresField value={expires} onChange={setExpires} />
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
      {catalogue.kind === 'failed' && <LoadFailed error={catalogue.error} onRetry={loadCatalogue} />}
      {catalogue.kind === 'loaded' && (
        <>
          <PermissionPicker groups={pickerGroups(catalogue.entries)} selected={selected} onChange={setSelected} disabled={submit.busy} />
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
      <FormFooter error={submit.error} busy={submit.busy} submitLabel="Create root key" disabled={catalogue.kind !== 'loaded'} />
    </form>
  );
}
