import { auditChainHash, GENESIS_HASH } from '../core/audit-chain.js';
import type { Store } from '../storage/store.js';

/** What `keyward audit verify` reports for one workspace. */
export interface ChainReport {
  workspaceId: string;
  /** Records checked in chain order before the first break (all of them when intact). */
  checked: number;
  /** The hash of the last record, which an operator can note elsewhere to detect a later rewrite of the whole chain. */
  headHash: string;
  /** The first problem, naming the record it is found at; absent when the chain is intact. */
  broken?: { recordId: string | null; reason: string };
}

const PAGE = 1_000;

/**
 * Walks a workspace's chain in order, recomputing each record's hash from its stored fields and the previous
 * record's hash (core/audit-chain.ts), and stops at the first record that does not fit: an edited record fails
 * its own hash; a deleted one shows as a gap before the next record (or, at the end, as a head that names it);
 * a record without a position is named too. A rewrite of the whole chain by someone with write access to the
 * database is not detectable this way; comparing `headHash` with a copy kept elsewhere is (SECURITY.md).
 */
export async function verifyAuditChain(store: Store, workspaceId: string): Promise<ChainReport> {
  let previous = GENESIS_HASH;
  let expected = 1;
  const report = (broken?: ChainReport['broken']): ChainReport => ({
    workspaceId,
    checked: expected - 1,
    headHash: previous,
    ...(broken ? { broken } : {}),
  });
  for (;;) {
    const page = await store.listAuditChain(workspaceId, expected - 1, PAGE);
    for (const record of page) {
      if (record.chainSeq !== expected) {
        return report({
          recordId: record.id,
          reason: `it is at chain position ${record.chainSeq} where ${expected} was expected: the record(s) before it were deleted`,
        });
      }
      if (auditChainHash(previous, expected, record) !== record.chainHash) {
        return report({ recordId: record.id, reason: 'its hash does not match its contents and the record before it: it was changed' });
      }
      previous = record.chainHash;
      expected += 1;
    }
    if (page.length < PAGE) break;
  }
  const head = await store.findAuditChainHead(workspaceId);
  const count = expected - 1;
  if (head === undefined && count > 0) {
    return report({ recordId: null, reason: "the workspace's chain head is missing" });
  }
  if (head !== undefined && (head.seq !== count || head.hash !== previous)) {
    return report({
      recordId: head.lastId,
      reason:
        head.seq > count
          ? `the chain ends at position ${count}, but its head says ${head.seq}: the last record(s) were deleted`
          : 'the chain head does not match the last record: the head or the records were changed',
    });
  }
  const unchained = await store.findUnchainedAudit(workspaceId);
  if (unchained !== undefined) return report({ recordId: unchained, reason: 'it has no place in the chain: it was written past Keyward' });
  return report();
}
