import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WebhookVerificationError } from '../src/webhooks/standard-webhooks.js';

export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  payload: { type: string; data: Record<string, unknown> };
}

/**
 * A webhook receiver as a user would write one: it verifies each delivery with Keyward's verifyWebhook (the receiver's
 * clock is `now`, the test clock), answers 401 to a bad or replayed one, and acknowledges a good one with 204.
 * `mode` makes it answer 503, or stop listening altogether (connections refused), and come back on the same port.
 */
export class WebhookReceiver {
  /** Verified deliveries, acknowledged, in arrival order. */
  readonly accepted: Received[] = [];
  /** Why each refused delivery was refused. */
  readonly refused: string[] = [];
  mode: 'ok' | 'unavailable' = 'ok';
  /** Milliseconds each answer waits (a slow receiver keeps deliveries in flight while other nodes claim). */
  delayMs = 0;
  private server: Server | undefined;
  private port = 0;

  constructor(
    private readonly secret: () => string,
    private readonly now: () => number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The acknowledged deliveries of each webhook-id. */
  countsById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.accepted) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    return counts;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        if (this.mode === 'unavailable') {
          res.writeHead(503).end('down for maintenance');
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          const payload = verifyWebhook(this.secret(), req.headers, body, { nowMs: this.now() }) as Received['payload'];
          this.accepted.push({ id: String(req.headers['webhook-id']), headers: req.headers, body, payload });
          res.writeHead(204).end();
        } catch (error) {
          this.refused.push(error instanceof WebhookVerificationError ? error.reason : String(error));
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: deliveries meet a refused connection until `start` listens again on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends a delivery received earlier again, as an attacker who captured it would. */
  async replay(delivery: Received): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) headers[name] = String(delivery.headers[name]);
    const res = await fetch(this.url, { method: 'POST', headers, body: delivery.body });
    return res.status;
  }
}
