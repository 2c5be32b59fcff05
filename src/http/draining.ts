import { ServerResponse, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * Stopping the HTTP side of a node (issue 12, finding 4; docs/operations.md, "The node is stopped (SIGTERM)").
 * Before this, `server.close()` waited for every connection to end while the verify lane kept answering on its
 * keep-alive connections, so a node under load never finished stopping.
 */

/** Whether this node has begun to stop: readiness then answers 503 and every answer closes its connection. */
export class Draining {
  stopping = false;
}

/**
 * The server's response class: once the node is stopping, an answer carries `Connection: close`, so the client opens
 * its next request elsewhere and Node closes the connection after the answer. Decided when the headers are written,
 * not when the request arrived, so a request already in flight when the signal came closes its connection too. Both
 * Fastify and the verify lane (src/http/verify-lane.ts) write headers through `writeHead`; the cost on the hot path
 * is one field read.
 */
export function drainingResponse(draining: Draining): typeof ServerResponse {
  class DrainingResponse extends ServerResponse {
    override writeHead(statusCode: number, reason?: never, headers?: never): this {
      if (draining.stopping) this.setHeader('connection', 'close');
      return super.writeHead(statusCode, reason, headers);
    }
  }
  // Node's declaration is generic over the request type; this class serves node:http's own.
  return DrainingResponse as typeof ServerResponse;
}

/**
 * How long after the node stops accepting connections the idle ones are closed. Two kinds of connection look idle and
 * are not: one just accepted whose request has not been read yet, and one whose last answer came just before the
 * signal (without `Connection: close`) and whose client is about to send its next request on it. Closing either
 * resets that request: 4 to 7 of 8 busy clients on a loaded 2-core machine were (test/faults/shutdown.test.ts). By
 * now both requests have arrived and their answers close the connections cleanly. A client idle for longer can still
 * meet a closed connection, as it can when any keep-alive timeout ends.
 */
export const IDLE_SETTLE_MS = 1_000;

/** How often connections that have become idle after that (opened, never used) are closed. */
const IDLE_SWEEP_MS = 100;

/**
 * Keeps serving for `delayMs`, then stops accepting connections, waits for those open to finish their requests, closes
 * them once idle (after IDLE_SETTLE_MS), and at `graceMs` destroys the rest. Resolves with the number of connections cut.
 */
export async function closeConnections(server: Server, { delayMs, graceMs }: { delayMs: number; graceMs: number }): Promise<number> {
  if (!server.listening) return 0;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  // net.Server's close only stops accepting; http.Server's would also close at once the connections that look idle.
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  let sweep: NodeJS.Timeout | undefined;
  const settle = setTimeout(
    () => {
      server.closeIdleConnections();
      sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    },
    Math.min(IDLE_SETTLE_MS, graceMs),
  );
  let grace: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    grace = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([closed, late]);
  clearTimeout(settle);
  clearInterval(sweep);
  clearTimeout(grace);
  if (outcome !== 'late') return 0;
  const open = await new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
  server.closeAllConnections();
  await closed;
  return open;
}
