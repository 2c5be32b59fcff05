import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../harness.js';
import { newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { until } from '../poll.js';

// Issue 11, finding 5: with verifications of a key with credits in flight, a revocation answered 200 while
// verifications already past their checks still charged the key afterwards and answered VALID (on PostgreSQL up to
// ~450 ms later: they waited for the row behind one another). The charge now re-checks, in its own statement, that
// the key is still live and unchanged; a verification whose charge comes after the revocation committed is refused
// and charges nothing (docs/architecture.md, "Verification").

const t = useTestServer();

const CREDITS = 1_000_000;
const PERMISSION = 'race.read';

interface Revocation {
  name: string;
  /** What a verification answers once the revocation holds. */
  refused: string;
  /** Whether the verification asks for the permission the revocation takes away. */
  asksPermission?: boolean;
  revoke(target: { apiId: string; keyId: string }): ReturnType<TestServer['call']>;
}

const REVOCATIONS: Revocation[] = [
  { name: 'keys.deleteKey', refused: 'NOT_FOUND', revoke: ({ keyId }) => t.call('keys.deleteKey', { keyId }) },
  {
    name: 'keys.updateKey {enabled: false}',
    refused: 'DISABLED',
    revoke: ({ keyId }) => t.call('keys.updateKey', { keyId, enabled: false }),
  },
  {
    name: 'keys.updateKey {expires: in the past}',
    refused: 'EXPIRED',
    revoke: ({ keyId }) => t.call('keys.updateKey', { keyId, expires: t.clock.now() - 1 }),
  },
  { name: 'keys.rerollKey {expiration: 0}', refused: 'EXPIRED', revoke: ({ keyId }) => t.call('keys.rerollKey', { keyId, expiration: 0 }) },
  { name: 'apis.deleteApi', refused: 'NOT_FOUND', revoke: ({ apiId }) => t.call('apis.deleteApi', { apiId }) },
  {
    name: 'keys.removePermissions (the verification asks for it)',
    refused: 'INSUFFICIENT_PERMISSIONS',
    asksPermission: true,
    revoke: ({ keyId }) => t.call('keys.removePermissions', { keyId, permissions: [PERMISSION] }),
  },
];

// Time moves on every reading, as a real clock between two requests: a rerolled key "expires now", and a
// verification that reads the clock after the reroll did is past that instant.
let tick = 0;
beforeEach(() => {
  tick = t.clock.now();
  vi.spyOn(t.clock, 'now').mockImplementation(() => ++tick);
});
afterEach(() => {
  vi.restoreAllMocks();
  // Never back: the next case starts where this one's time got to.
  t.clock.set(tick);
});

/** A key with plenty of credits (and the permission), verified once so every verification below starts from the cache. */
async function liveKey(revocation: Revocation) {
  const apiId = await newApi(t);
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: CREDITS }, permissions: [PERMISSION] });
  const body = revocation.asksPermission ? { key, permissions: PERMISSION } : { key };
  const verify = () => t.call('keys.verifyKey', body);
  const first = await verify();
  expect(first.body.data.code).toBe('VALID');
  return { apiId, keyId, verify, remaining: () => t.server.store.readCredits(keyId) };
}

describe('a revocation acknowledged while verifications of a key with credits are in flight', () => {
  it.each(REVOCATIONS)(
    '$name: every verification sent after the 200 is refused, and nothing is charged once it is acknowledged',
    async (revocation) => {
      const target = await liveKey(revocation);
      const outcomes: Array<{ sentAt: number; code: string }> = [];
      let stop = false;
      let acknowledgedAt = Number.POSITIVE_INFINITY;
      // 100 verifications in flight at every moment, before, during and after the revocation.
      const worker = async () => {
        while (!stop) {
          const sentAt = performance.now();
          const res = await target.verify();
          expect(res.status).toBe(200);
          outcomes.push({ sentAt, code: res.body.data.code });
        }
      };
      const workers = Array.from({ length: 100 }, worker);
      await until(() => outcomes.length >= 300, '300 verifications before the revocation');

      const res = await revocation.revoke(target);
      acknowledgedAt = performance.now();
      expect(res.status).toBe(200);
      const atAcknowledgement = await target.remaining();
      const sentAfter = () => outcomes.filter((o) => o.sentAt > acknowledgedAt);
      await until(() => sentAfter().length >= 300, '300 verifications sent after the revocation was acknowledged');
      stop = true;
      await Promise.all(workers);

      // Sent after the 200: refused, every one (answers that completed after it may have been decided before it).
      expect(new Set(sentAfter().map((o) => o.code))).toEqual(new Set([revocation.refused]));
      const valid = outcomes.filter((o) => o.code === 'VALID').length;
      expect(valid).toBeGreaterThan(0);
      const final = await target.remaining();
      // Exact: one credit per VALID answer (and the warm-up's), none for a refusal.
      expect(CREDITS - final!).toBe(valid + 1);
      // And none of them charged after the revocation was acknowledged.
      expect(final).toBe(atAcknowledgement);
    },
    // Hundreds of verifications per case; a loaded machine (the whole suite on both engines) needs the room.
    60_000,
  );
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the revocation and holds its transaction open just before it commits, with all its writes done; then starts
 * the verification, whose record is the cached, live one, and lets the revocation commit once the verification has
 * asked to charge the key. The charge waits for the commit: on SQLite for the store's only connection, on
 * PostgreSQL for the key's row, which every revocation writes.
 */
async function chargeAfterRevocation<R, C>(queued: { revocation: () => Promise<R>; charge: () => Promise<C> }) {
  const { store } = t.server;
  let commit!: () => void;
  const gate = new Promise<void>((resolve) => {
    commit = resolve;
  });
  let written!: () => void;
  const writes = new Promise<void>((resolve) => {
    written = resolve;
  });
  const transaction = store.transaction;
  vi.spyOn(store, 'transaction').mockImplementationOnce((work) =>
    transaction(async (tx) => {
      const result = await work(tx);
      written();
      await gate;
      return result;
    }),
  );
  const revocation = queued.revocation();
  await writes;
  const spends = vi.spyOn(store, 'spendCredits');
  const charge = queued.charge();
  await until(() => spends.mock.calls.length > 0, 'the verification asked to charge the key');
  await pause(50);
  commit();
  return { revocation, charge };
}

describe('a verification whose charge waits for the revocation to commit', () => {
  it.each(REVOCATIONS)('$name: is refused with its code and charges nothing', async (revocation) => {
    const target = await liveKey(revocation);
    const before = await target.remaining();
    const queued = await chargeAfterRevocation({ revocation: () => revocation.revoke(target), charge: target.verify });
    expect((await queued.revocation).status).toBe(200);
    expect((await queued.charge).body.data.code).toBe(revocation.refused);
    expect(await target.remaining()).toBe(before);
  });
});
