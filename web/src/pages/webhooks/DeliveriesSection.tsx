import { useCallback, useState } from 'react';
import { listDeliveries, type WebhookDelivery, type WebhookEndpoint, webhooks } from '../../api/webhooks';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RowButton } from '../../components/RowButton';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

const STATUS: Record<WebhookDelivery['status'], string> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed (gave up)',
};

/** The last answer of a delivery's receiver: its HTTP status, or why there was none; '—' before any attempt. */
function lastAnswer(delivery: WebhookDelivery): string {
  if (delivery.lastStatusCode !== undefined) return String(delivery.lastStatusCode);
  return delivery.lastError ?? '—';
}

/**
 * One endpoint's deliveries, newest first (webhooks.listDeliveries): what each event came to, read again on "Refresh"
 * as the dispatcher works in the background. "Redeliver" (admins) queues one again with the same webhook-id.
 */
export function DeliveriesSection({ endpoint, canRedeliver }: { endpoint: WebhookEndpoint; canRedeliver: boolean }) {
  const fetchPage = useCallback((cursor?: string) => listDeliveries(endpoint.id, cursor), [endpoint.id]);
  const list = usePagedList(fetchPage);
  const [redelivered, setRedelivered] = useState<string>();
  const [error, setError] = useState<unknown>();

  const redeliver = async (delivery: WebhookDelivery) => {
    setError(undefined);
    setRedelivered(undefined);
    try {
      await webhooks.redeliver(delivery.id);
      setRedelivered(delivery.id);
      await list.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section aria-labelledby="delivery-list">
      <h2 id="delivery-list">Deliveries to {endpoint.url}</h2>
      <p className="hint">
        Each event is tried until the receiver answers 2xx, backing off from 5 seconds to 4 hours, for a day. Payloads are not kept here.
      </p>
      <button type="button" className="secondary" onClick={() => void list.reload()}>
        Refresh
      </button>
      <ErrorMessage error={error} />
      {redelivered && (
        <p className="success" role="status">
          Delivery <code>{redelivered}</code> queued again.
        </p>
      )}
      <ListingTable
        list={list}
        loadingLabel="Loading deliveries…"
        empty="No deliveries yet: an event this endpoint takes queues one."
        label="Deliveries table"
        headers={['Event', 'Status', 'Attempts', 'Last answer', 'Queued', 'Last attempt', 'Id']}
        rowKey={(delivery) => delivery.id}
        cells={(delivery) => (
          <>
            <td>
              <code>{delivery.eventType}</code>
            </td>
            <td>{STATUS[delivery.status]}</td>
            <td>{delivery.attempts}</td>
            <td>{lastAnswer(delivery)}</td>
            <td>{when.format(delivery.createdAt)}</td>
            <td>{delivery.lastAttemptAt === undefined ? '—' : when.format(delivery.lastAttemptAt)}</td>
            <td>
              <code>{delivery.id}</code>
            </td>
          </>
        )}
        actions={
          canRedeliver
            ? (delivery) => (
                <RowButton label={`Redeliver ${delivery.eventType} ${delivery.id}`} onClick={() => void redeliver(delivery)}>
                  Redeliver
                </RowButton>
              )
            : undefined
        }
      />
    </section>
  );
}
