import type { IncomingMessage } from 'node:http';
import { unmapIPv4 } from '../core/ip-whitelist.js';

/**
 * The client's IP, as both the verify lane and Fastify's routes see it (API IP whitelists, audit records).
 * With `trustProxy` the first X-Forwarded-For entry (the client as the proxy saw it), else the socket's peer;
 * without it only the peer, because any client can send an X-Forwarded-For naming any address.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is reported as plain IPv4, as whitelists name it. null: unknown.
 */
export function clientIp(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: boolean): string | null {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    // Node joins repeated X-Forwarded-For headers with ", ", so the first entry is the first header's first.
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (first) return unmapIPv4(first);
  }
  const remote = req.socket.remoteAddress;
  return remote === undefined ? null : unmapIPv4(remote);
}
