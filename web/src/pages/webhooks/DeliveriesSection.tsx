import { useCallback, useState } from 'react';
import { listDeliveries, type WebhookDelivery, type WebhookEndpoint, webhooks } from '../../api/webhooks';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ScrollTable } from '../../components/ScrollTable';
import { ListingStates, LoadMore, usePagedList } from '../paged-list';

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
      <ListingStates list={list} loadingLabel="Loading deliveries…" empty="No deliveries yet: an event this endpoint takes queues one.">
        {(items) => (
          <ScrollTable label="Deliveries table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Queued</th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Id</th>
                  {canRedeliver && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {items.map((delivery) => (
                  <tr key={delivery.id}>
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
                    {canRedeliver && (
                      <td>
                        <button
                          type="button"
                          className="secondary small"
                          aria-label={`Redeliver ${delivery.eventType} ${delivery.id}`}
                          onClick={() => void redeliver(delivery)}
                        >
                          Redeliver
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
    </section>
  );
}
