import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { unmapIPv4 } from '../core/ip-whitelist.js';

/**
 * KEYWARD_TRUST_PROXY as the client-IP rule uses it: false (X-Forwarded-For ignored), true (every peer is a
 * proxy), or the trusted proxies' addresses and ranges, built once at start (proxyTrust).
 */
export type ProxyTrust = boolean | BlockList;

/** The setting's value (config.ts validated the entries) as a ProxyTrust; a list becomes one BlockList. */
export function proxyTrust(setting: boolean | readonly string[]): ProxyTrust {
  if (typeof setting === 'boolean') return setting;
  const list = new BlockList();
  for (const entry of setting) {
    const slash = entry.indexOf('/');
    // A mapped IPv4 address is trusted as the plain IPv4 peer that unmapIPv4 reports.
    const address = slash === -1 ? unmapIPv4(entry) : entry.slice(0, slash);
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) list.addAddress(address, type);
    else list.addSubnet(address, Number(entry.slice(slash + 1)), type);
  }
  return list;
}

function listed(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's IP, as both the verify lane and Fastify's routes see it (API IP whitelists, audit records).
 * - `false`: only the socket's peer, because any client can send an X-Forwarded-For naming any address;
 * - `true`: the first X-Forwarded-For entry (the client as the first proxy saw it), else the peer;
 * - a list of trusted proxies: X-Forwarded-For only when the peer is one of them, and then the right-most entry
 *   that is not itself a trusted proxy (entries left of it could be forged by the client); the peer otherwise.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is reported as plain IPv4, as whitelists name it. null: unknown.
 * Without the header this costs what it always did: the header lookup and the peer's address.
 */
export function clientIp(req: Pick<IncomingMessage, 'headers' | 'socket'>, trust: ProxyTrust): string | null {
  const remote = req.socket.remoteAddress;
  const peer = remote === undefined ? null : unmapIPv4(remote);
  if (trust === false) return peer;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined) return peer;
  if (trust === true) {
    // Node joins repeated X-Forwarded-For headers with ", ", so the first entry is the first header's first.
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    return first ? unmapIPv4(first) : peer;
  }
  if (peer === null || !listed(trust, peer)) return peer;
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!.trim();
    if (entry === '') continue;
    const address = unmapIPv4(entry);
    if (!listed(trust, address)) return address;
  }
  // Every entry is a trusted proxy: the left-most one is as close to the client as the chain tells.
  const first = entries.find((entry) => entry.trim() !== '')?.trim();
  return first === undefined ? peer : unmapIPv4(first);
}

/**
 * Whether the request sent X-Forwarded-For that clientIp did not use because its peer is not a trusted proxy
 * (the verify warning: an IP whitelist behind an untrusted proxy sees the proxy, not the client).
 */
export function forwardedForIgnored(req: Pick<IncomingMessage, 'headers' | 'socket'>, trust: ProxyTrust): boolean {
  if (trust === true || req.headers['x-forwarded-for'] === undefined) return false;
  if (trust === false) return true;
  const remote = req.socket.remoteAddress;
  return remote === undefined || !listed(trust, unmapIPv4(remote));
}
