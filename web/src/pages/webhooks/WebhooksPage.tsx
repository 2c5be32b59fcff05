import { useState } from 'react';
import { listEndpoints, type WebhookEndpoint, webhooks } from '../../api/webhooks';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { IssuedKeyDialog } from '../../components/IssuedKeyDialog';
import { PageHeading } from '../../components/PageHeading';
import { RowButton } from '../../components/RowButton';
import { useSession } from '../../session';
import { useConfirmedAction } from '../confirmed-action';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
import { CreateEndpointForm } from './CreateEndpointForm';
import { DeliveriesSection } from './DeliveriesSection';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The workspace's webhook endpoints (webhooks.*): list, create (the signing secret shown once, held only by its dialog),
 * enable or disable, delete after a confirmation, and one endpoint's deliveries with "Redeliver". Changing endpoints
 * hands out a secret and sends the workspace's events elsewhere, so it is an admin's (src/core/operator-roles.ts):
 * everyone else reads the list and the deliveries without those controls.
 */
export function WebhooksPage() {
  const { workspace } = useSession();
  const canChange = workspace?.role === 'admin';
  const list = usePagedList(listEndpoints);
  const { reload } = list;
  const [created, setCreated] = useState<{ endpointId: string; secret: string }>();
  const [shown, setShown] = useState<WebhookEndpoint>();
  const [toggleError, setToggleError] = useState<unknown>();
  const deletion = useConfirmedAction(async (endpoint: WebhookEndpoint) => {
    await webhooks.delete(endpoint.id);
    // Its deliveries went with it.
    setShown((current) => (current?.id === endpoint.id ? undefined : current));
  }, reload);

  const setEnabled = async (endpoint: WebhookEndpoint, enabled: boolean) => {
    setToggleError(undefined);
    try {
      await webhooks.setEnabled(endpoint.id, enabled);
      await reload();
    } catch (caught) {
      setToggleError(caught);
    }
  };

  return (
    <>
      <PageHeading>Webhooks</PageHeading>
      <p className="lead">
        Endpoints receive the workspace's events (a key created, rerolled, leaked; a root key revoked…) as signed POSTs, following the
        Standard Webhooks specification. Verify each one with the endpoint's signing secret, shown once when it is created.
      </p>

      <section aria-labelledby="endpoint-list">
        <h2 id="endpoint-list">Endpoints</h2>
        {!canChange && <p className="hint">Endpoints are created, changed and deleted by the workspace's admins.</p>}
        <ErrorMessage error={toggleError} />
        <ListingTable
          list={list}
          loadingLabel="Loading endpoints…"
          empty={<>No webhook endpoints yet.{canChange ? ' Create one below.' : ''}</>}
          label="Endpoints table"
          headers={['URL', 'Description', 'Event types', 'State', 'Created']}
          rowKey={(endpoint) => endpoint.id}
          cells={(endpoint) => (
            <>
              <td>
                <code>{endpoint.url}</code>
              </td>
              <td>{endpoint.description ?? '—'}</td>
              <td>{endpoint.eventTypes.length === 0 ? 'All' : endpoint.eventTypes.join(', ')}</td>
              <td>{endpoint.enabled ? 'Enabled' : 'Disabled'}</td>
              <td>{when.format(endpoint.createdAt)}</td>
            </>
          )}
          actions={(endpoint) => (
            <>
              <RowButton
                label={`Deliveries to ${endpoint.url}`}
                aria-pressed={shown?.id === endpoint.id}
                onClick={() => setShown(endpoint)}
              >
                Deliveries
              </RowButton>
              {canChange && (
                <>
                  <RowButton
                    label={`${endpoint.enabled ? 'Disable' : 'Enable'} endpoint ${endpoint.url}`}
                    onClick={() => void setEnabled(endpoint, !endpoint.enabled)}
                  >
                    {endpoint.enabled ? 'Disable' : 'Enable'}
                  </RowButton>
                  <RowButton danger label={`Delete endpoint ${endpoint.url}`} onClick={() => deletion.ask(endpoint)}>
                    Delete
                  </RowButton>
                </>
              )}
            </>
          )}
        />
      </section>

      {shown && <DeliveriesSection key={shown.id} endpoint={shown} canRedeliver={canChange} />}

      {canChange && (
        <section aria-labelledby="create-endpoint">
          <h2 id="create-endpoint">Create an endpoint</h2>
          <CreateEndpointForm
            onCreated={(endpoint) => {
              setCreated(endpoint);
              void reload();
            }}
          />
        </section>
      )}

      {created && (
        <IssuedKeyDialog
          title="Your endpoint's signing secret"
          issued={{ keyId: created.endpointId, key: created.secret }}
          labels={{ value: 'Signing secret', id: 'Endpoint id', copy: 'Copy secret' }}
          notice={
            <>
              <strong>Copy this secret now: it will not be shown again.</strong> Your receiver needs it to verify signatures; if it is lost,
              delete the endpoint and create another.
            </>
          }
          onClose={() => setCreated(undefined)}
        />
      )}
      {deletion.target && (
        <ConfirmDialog title={`Delete endpoint ${deletion.target.url}?`} confirmLabel="Delete endpoint" {...deletion.dialog}>
          <p>
            It is sent nothing more, and its deliveries, sent or not, go with it. <code>{deletion.target.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
