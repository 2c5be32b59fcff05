import { useState } from 'react';
import { type Api, apis, listApis } from '../api/apis';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Link } from '../components/Link';
import { PageHeading } from '../components/PageHeading';
import { RowButton } from '../components/RowButton';
import { apiSettingsPathOf, keysPathOf } from '../router';
import { useSession } from '../session';
import { useConfirmedAction } from './confirmed-action';
import { useFormSubmit } from './form-submit';
import { ListingTable } from './listing-table';
import { usePagedList } from './paged-list';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The workspace's APIs: list, create, delete (after a confirmation; delete protection's refusal is shown as the server words it). */
export function ApisPage() {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const list = usePagedList(listApis);
  const { reload: load } = list;
  const [name, setName] = useState('');
  const deletion = useConfirmedAction((api: Api) => apis.delete(api.id), load);

  const creation = useFormSubmit(async () => {
    const { apiId } = await apis.create(name.trim());
    setName('');
    await load();
    return `Created API ${name.trim()} (${apiId}).`;
  });

  return (
    <>
      <PageHeading>APIs</PageHeading>
      <p className="lead">An API groups the keys your service verifies. Keys, limits and settings belong to one API.</p>

      {!readOnly && (
        <section aria-labelledby="create-api">
          <h2 id="create-api">Create an API</h2>
          <form className="inline-form" onSubmit={creation.onSubmit}>
            <Field
              label="Name"
              required
              minLength={3}
              maxLength={256}
              hint="3 to 256 characters, for people; names need not be unique."
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <button type="submit" disabled={creation.busy}>
              {creation.busy ? 'Creating…' : 'Create API'}
            </button>
          </form>
          <ErrorMessage error={creation.error} />
          {creation.done && (
            <p className="success" role="status">
              {creation.done}
            </p>
          )}
        </section>
      )}

      <section aria-labelledby="api-list">
        <h2 id="api-list">Your APIs</h2>
        <p className="hint">
          Open an API to see and manage its keys; its settings hold delete protection, key storage, an IP whitelist and key defaults.
        </p>
        <ListingTable
          list={list}
          loadingLabel="Loading APIs…"
          empty={<>No APIs yet.{readOnly ? '' : ' Create one above to start issuing keys.'}</>}
          label="APIs table"
          headers={['Name', 'Id', 'Created']}
          rowKey={(api) => api.id}
          cells={(api) => (
            <>
              <td>
                <Link href={keysPathOf(api.id)}>{api.name}</Link>
              </td>
              <td>
                <code>{api.id}</code>
              </td>
              <td>{when.format(api.createdAt)}</td>
            </>
          )}
          actions={(api) => (
            <>
              <Link href={apiSettingsPathOf(api.id)} aria-label={`Settings of API ${api.name}`}>
                Settings
              </Link>
              {!readOnly && (
                <RowButton danger label={`Delete API ${api.name}`} onClick={() => deletion.ask(api)}>
                  Delete
                </RowButton>
              )}
            </>
          )}
        />
      </section>

      {deletion.target && (
        <ConfirmDialog title={`Delete API ${deletion.target.name}?`} confirmLabel="Delete API" {...deletion.dialog}>
          <p>
            Its keys stop verifying at once. <code>{deletion.target.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
