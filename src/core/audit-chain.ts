import { createHash } from 'node:crypto';

/**
 * The tamper-evident audit chain (docs/architecture.md, "Audit chain"): each audit record stores a SHA-256 over
 * its own fields and the hash of the record before it in its workspace, so editing, inserting or deleting a
 * record breaks every later link. The encoding is versioned and written out in docs/architecture.md so anyone can
 * check a chain with their own tool; changing it means a new version tag, never an edit of this one.
 */

/** The `previous hash` of a workspace's first record. */
export const GENESIS_HASH = '0'.repeat(64);

const VERSION = 'keyward-audit-v1';

/** A record's fields as they are stored (`resources` is the stored JSON text, hashed as it is, never re-serialised). */
export interface ChainFields {
  id: string;
  workspaceId: string;
  event: string;
  time: number;
  actorType: string;
  actorId: string;
  actorName: string | null;
  description: string;
  resources: string;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * A field is `-` when null, else a netstring of its UTF-8 bytes: `<byte length in decimal>:<bytes>,` (numbers in
 * decimal). A netstring starts with a digit, so `-` cannot be confused with one, and lengths make it unambiguous.
 */
function field(value: string | number | null): string {
  if (value === null) return '-';
  const text = String(value);
  return `${Buffer.byteLength(text, 'utf8')}:${text},`;
}

/** Lower-case hex SHA-256 of the record at chain position `seq` (1 for a workspace's first) after `previousHash`. */
export function auditChainHash(previousHash: string, seq: number, r: ChainFields): string {
  const encoded =
    field(VERSION) +
    field(previousHash) +
    field(seq) +
    field(r.id) +
    field(r.workspaceId) +
    field(r.event) +
    field(r.time) +
    field(r.actorType) +
    field(r.actorId) +
    field(r.actorName) +
    field(r.description) +
    field(r.resources) +
    field(r.sourceIp) +
    field(r.userAgent) +
    field(r.requestId);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}
