import { BlockList, isIP } from 'node:net';

/**
 * Why `entry` is not an IPv4/IPv6 address or CIDR range, else undefined. The prefix must be plain digits
 * within the family's width, so "10.0.0.0/08x" or "::/129" are refused rather than half-understood.
 */
export function ipEntryProblem(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `'${entry}' is not an IPv4 or IPv6 address or CIDR range`;
  if (slash === -1) return undefined;
  const prefix = entry.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `'${entry}' has an invalid prefix length (0-${max} for IPv${family})`;
  return undefined;
}

const MAPPED_PREFIX = /^::ffff:/i;

/** `::ffff:1.2.3.4` -> `1.2.3.4`: dual-stack sockets report IPv4 clients that way, and whitelists name them plainly. */
export function unmapIPv4(address: string): string {
  // Runs on every verification (client-ip.ts): a regex test allocates nothing for the usual unmapped address.
  return MAPPED_PREFIX.test(address) && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * A matcher for a validated whitelist, built once per cached key record (verify-key.ts). An IP that is not
 * an address at all (or null) is never allowed: an unknown client must not pass a whitelist.
 */
export function ipMatcher(entries: readonly string[]): (ip: string | null) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    // Entries are validated on write; one edited into the database by hand matches nothing rather than failing every verification.
    if (ipEntryProblem(entry) !== undefined) continue;
    const slash = entry.indexOf('/');
    // A mapped range keeps its IPv6 form (its prefix counts IPv6 bits); BlockList matches IPv4 clients against it.
    const address = slash === -1 ? unmapIPv4(entry) : entry.slice(0, slash);
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) list.addAddress(address, type);
    else list.addSubnet(address, Number(entry.slice(slash + 1)), type);
  }
  return (ip) => {
    if (ip === null) return false;
    const address = unmapIPv4(ip);
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
