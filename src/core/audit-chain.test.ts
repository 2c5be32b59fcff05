import { expect, it } from 'vitest';
import { auditChainHash, GENESIS_HASH, type ChainFields } from './audit-chain.js';

/**
 * The encoding as docs/architecture.md ("Audit chain") writes it out, checked against hashes computed by the
 * independent Python script printed there, so a verifier built from the documentation agrees with Keyward.
 */
const first: ChainFields = {
  id: 'audit_01',
  workspaceId: 'ws_1',
  event: 'key.create',
  time: 1768478400000,
  actorType: 'root_key',
  actorId: 'rk_1',
  actorName: null,
  description: 'Created key key_1 ✓',
  resources: '[{"type":"key","id":"key_1"}]',
  sourceIp: '192.0.2.1',
  userAgent: null,
  requestId: 'req_1',
};

it('matches the documented encoding, byte lengths of UTF-8 included', () => {
  const h1 = auditChainHash(GENESIS_HASH, 1, first);
  expect(h1).toBe('4522f6baec511ce612303f1f7ed7cb197123883ae556452636c1daa64aaf00ae');
  expect(auditChainHash(h1, 2, { ...first, id: 'audit_02', actorName: '', description: '' })).toBe(
    '15b3f0a2ca252edc8402cdfc5e56ee7b53870a15e02dbc8ddc6019c5aed00e81',
  );
});

it('tells null from an empty string, and moves with every field, the position and the previous hash', () => {
  const base = auditChainHash(GENESIS_HASH, 1, first);
  expect(auditChainHash(GENESIS_HASH, 1, { ...first, actorName: '' })).not.toBe(base);
  expect(auditChainHash(GENESIS_HASH, 2, first)).not.toBe(base);
  expect(auditChainHash('1'.repeat(64), 1, first)).not.toBe(base);
  for (const name of Object.keys(first) as (keyof ChainFields)[]) {
    const changed = { ...first, [name]: name === 'time' ? first.time + 1 : `${first[name] ?? ''}x` };
    expect(auditChainHash(GENESIS_HASH, 1, changed), name).not.toBe(base);
  }
  // Moving a character from one field to the next changes the hash (the lengths are part of the encoding).
  expect(auditChainHash(GENESIS_HASH, 1, { ...first, actorType: 'root_keyr', actorId: 'k_1' })).not.toBe(base);
});
