import fc from 'fast-check';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorEnvelope } from '../../src/contract/common.js';
import { ERROR_TYPE_BASE } from '../../src/http/errors.js';
import type { DashboardRoute } from '../../src/http/dashboard-route.js';
import type { OperationRoute } from '../../src/http/route.js';
import { DASHBOARD_ROUTES } from '../../src/http/routes/dashboard/index.js';
import { ROUTES } from '../../src/http/routes/index.js';
import { SIGN_IN_LIMITS } from '../../src/services/operators/sign-in-limit.js';
import { type Browser, browserFor, browseText, loadCsrf, PASSWORD } from '../dashboard-fixtures.js';
import { anyBody, type Body, KNOWN_FINDING_GENERATORS, type Pools, unsupportedKeywords } from '../fuzz/arbitraries.js';
import { seedWorkspace } from '../fuzz/seed-workspace.js';
import { sweepBodies } from '../fuzz/sweep.js';
import { changedTables, openStoreFingerprint, type StoreFingerprint } from '../fuzz/store-fingerprint.js';
import type { CallResult, TestServer } from '../harness.js';
import { useTestServer } from '../per-file-server.js';
import { runSql } from '../raw-sql.js';

/**
 * Issue 11, "Defences to add": fuzzing. Every operation the server registers gets bodies generated from its own
 * request schema: valid ones (naming real objects half of the time), almost-valid ones (one field out of bounds, of
 * the wrong type, missing or unknown) and hostile ones sent as raw JSON text (1e309, 2^63, -0, NUL and lone
 * surrogates, 20,000 levels of nesting, `__proto__`, 200,000-item arrays, duplicate keys, broken JSON). For each:
 * never a 5xx; every error is the contract's envelope with a status the operation declares; a 4xx leaves every row of
 * the database as it was; nothing reaches Object.prototype; the server answers its liveness probe afterwards.
 *
 * The dashboard.* operations (registered apart from ROUTES, by http/dashboard.ts from DASHBOARD_ROUTES) are fuzzed the
 * same way, each through a browser whose session its requirement admits, so a new one is covered once listed there.
 * Besides, no answer of theirs holds a secret: a password, a session token, a TOTP secret, a recovery code or a
 * password hash. The one change a refusal may make is the record of a failed sign-in or MFA code (decision 0015).
 *
 * Replay: the seed is fixed, so a failure repeats. KEYWARD_FUZZ_SEED=<n> picks another seed, KEYWARD_FUZZ_RUNS=<n>
 * more bodies per operation, KEYWARD_FUZZ_SKIP=nonfinite,deep,nul leaves out the generators of issue 11's findings
 * 4, 8 and 9. fast-check prints the seed and the counterexample's path; run one operation with `-t <operation>`.
 */

const SEED = Number(process.env.KEYWARD_FUZZ_SEED ?? 20261105);
// PostgreSQL takes a third of SQLite's random bodies: the validation in front of the store is the same code on both
// engines and is fuzzed in full on SQLite; what differs, the store staying unchanged after a 4xx, is still checked
// after every sweep body and every random one (the whole run was 220 s per engine with 83 operations).
const RUNS = Number(process.env.KEYWARD_FUZZ_RUNS ?? (process.env.KEYWARD_TEST_ENGINE === 'postgres' ? 10 : 30));
const SKIP = new Set((process.env.KEYWARD_FUZZ_SKIP ?? '').split(',').filter((g) => g !== ''));
for (const g of SKIP) {
  if (!(KNOWN_FINDING_GENERATORS as readonly string[]).includes(g)) throw new Error(`KEYWARD_FUZZ_SKIP: unknown generator '${g}'`);
}

/** Statuses any operation may answer besides its own list: the body limit (before routing) and the workspace API limit. */
const APP_WIDE_STATUSES = [413, 429];
/** Fewer random bodies per dashboard operation: many of theirs run argon2 (a tenth of a second), by design. */
const DASHBOARD_RUNS = Math.ceil(RUNS / 6);

/** The body fields that carry a secret; an answer must never repeat one (nor a password, token or code of the test's). */
const SECRET_FIELDS = ['password', 'token', 'code', 'recoveryCode'];

/** The error envelope, its status one the operation declares; or a success's envelope. */
function expectContractAnswer(res: CallResult, errors: readonly number[], about: string): void {
  expect(res.status, about).toBeLessThan(500);
  expect([200, ...errors, ...APP_WIDE_STATUSES], about).toContain(res.status);
  if (res.status >= 400) {
    expect(Value.Check(ErrorEnvelope, res.body), about).toBe(true);
    expect(res.body.error.status, about).toBe(res.status);
    expect(res.body.error.type.startsWith(ERROR_TYPE_BASE), about).toBe(true);
    if (res.status === 400 || res.status === 413) expect(Array.isArray(res.body.error.errors), about).toBe(true);
  } else {
    expect(typeof res.body.meta?.requestId, about).toBe('string');
  }
}

/** The secret-carrying values of a body sent, long enough that finding one in an answer is no coincidence. */
function secretsIn(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (parsed === null || typeof parsed !== 'object') return [];
  return SECRET_FIELDS.map((field) => (parsed as Record<string, unknown>)[field]).filter(
    (value): value is string => typeof value === 'string' && value.length >= 8,
  );
}

/** Whether the browser still holds the session `route` needs (a valid body may sign it out or move it on). */
async function stillAdmitted(t: TestServer, browser: Browser, route: DashboardRoute): Promise<boolean> {
  if (route.session === 'none') return true;
  const res = await loadCsrf(t, browser);
  if (res.status !== 200) return false;
  const state = res.body.data.state;
  return route.session === 'any' || state === (route.session === 'admin' ? 'active' : route.session);
}

describe('fuzzing every operation: no 5xx, no crash, the error envelope, and a 4xx changes nothing', () => {
  // The analytics routes' query rate is lifted so every fuzzed query is translated and run.
  const t = useTestServer({ env: { KEYWARD_ANALYTICS_QUERIES_PER_MINUTE: '1000000' } });
  let store: StoreFingerprint;
  beforeAll(async () => {
    store = await openStoreFingerprint(t.databaseUrl);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('every registered operation is in the OpenAPI document, with a request schema the fuzzer understands', async () => {
    const doc = (await t.server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, any>)
      .filter(([, item]) => item.post)
      .map(([path]) => path);
    // dashboard.* are registered apart from ROUTES (they authenticate by session cookie) but documented all the same.
    for (const route of [...ROUTES, ...DASHBOARD_ROUTES]) expect(documented).toContain(`/v2/${route.operation}`);
    // Every documented operation is served, and documents its body.
    for (const path of documented) {
      expect(t.server.app.hasRoute({ method: 'POST', url: path }), path).toBe(true);
      expect(doc.paths[path].post.requestBody?.content?.['application/json']?.schema, path).toBeDefined();
    }
    for (const route of [...ROUTES, ...DASHBOARD_ROUTES]) {
      expect(['object', 'array'], route.operation).toContain((route.body as { type?: string }).type);
      expect(unsupportedKeywords(route.body), route.operation).toEqual([]);
    }
  });

  it('the store fingerprint sees one column of one row changed behind the server', async () => {
    const pools = await seedWorkspace(t);
    const before = await store.read();
    expect(changedTables(before, await store.read())).toEqual([]);
    await runSql(t.databaseUrl, 'UPDATE keys SET name = ? WHERE id = ?', ['changed behind the server', pools.keyId![0]]);
    expect(changedTables(before, await store.read())).toEqual(['keys']);
  });

  for (const route of ROUTES as OperationRoute[]) {
    it(`${route.operation}: every field swept, then ${RUNS} random bodies of each kind`, { timeout: 180_000 }, async () => {
      const pools = await seedWorkspace(t);
      let rows = await store.read();
      const expectAnswered = async (body: Body) => {
        const res = await t.call(route.operation, body.text);
        const about = `${route.operation} ${body.kind} (${body.note}) answered ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`;
        expectContractAnswer(res, route.errors, about);
        const after = await store.read();
        if (res.status >= 400) expect(changedTables(rows, after), `tables changed by a ${about}`).toEqual([]);
        rows = after;
        expect(Object.getOwnPropertyNames(Object.prototype), `${about}: Object.prototype`).not.toContain('polluted');
        const live = await t.server.app.inject({ method: 'GET', url: '/v2/liveness' });
        expect(live.statusCode, `liveness after ${about}`).toBe(200);
      };
      // Every field with every hostile token of its type first (sweep.ts), then RUNS * 3 random bodies.
      const sweep = sweepBodies(route.body, pools, SKIP);
      await fc.assert(fc.asyncProperty(anyBody(route.body, pools, SKIP), expectAnswered), {
        seed: SEED,
        numRuns: sweep.length + RUNS * 3,
        examples: sweep.map((body) => [body]),
      });
      // The socket too (verifications take the verify lane in front of Fastify): the process is still serving.
      const live = await fetch(`${await t.listen()}/v2/liveness`);
      expect(live.status).toBe(200);
    });
  }
  for (const route of DASHBOARD_ROUTES) {
    it(`${route.operation}: every field swept, then ${DASHBOARD_RUNS} random bodies of each kind, with a session it admits`, {
      timeout: 180_000,
    }, async () => {
      // Past the sign-in limit's window: the previous operation's failed sign-ins must not block this one's setup.
      t.clock.advance(2 * SIGN_IN_LIMITS.windowMs);
      const fresh = () => browserFor(t, route.session);
      let admitted = await fresh();
      let browser = admitted.browser;
      const spareEmail = `spare.${route.operation}@example.com`.toLowerCase();
      const spareId = await t.server.services.operators.createFromCli({
        email: spareEmail,
        password: PASSWORD,
        workspaceId: t.workspaceId,
        role: 'member',
      });
      // Real objects for valid bodies: the spare operator (so a valid call may change or remove it, never the caller).
      const pools: Pools = { email: [spareEmail], password: [PASSWORD], operatorId: [spareId] };
      const secrets = new Set<string>([PASSWORD]);
      // Every session token the browser held, and the TOTP secret and recovery codes of its operator.
      const noteSecrets = () => {
        for (const secret of [browser.cookie, admitted.secret, ...(admitted.recoveryCodes ?? [])]) if (secret) secrets.add(secret);
      };
      noteSecrets();
      let rows = await store.read();
      const recordsBesidesFailedSignIns = async () => {
        const records = await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 100_000 });
        return records.filter((r) => r.event !== 'operator.sign_in_failed').length;
      };
      let otherRecords = await recordsBesidesFailedSignIns();
      const expectAnswered = async (body: Body) => {
        const res = await browseText(t, browser, route.operation, body.text);
        try {
          const text = JSON.stringify(res.body);
          const about = `${route.operation} ${body.kind} (${body.note}) answered ${res.status} ${text.slice(0, 400)}`;
          expectContractAnswer(res, route.errors, about);
          for (const secret of [...secrets, ...secretsIn(body.text)])
            expect(text.includes(secret), `${about}: a secret in the answer`).toBe(false);
          expect(text, about).not.toMatch(/\$argon2/);
          if (res.status >= 400) {
            const changed = changedTables(rows, await store.read());
            // A wrong password or code is recorded (audit, chain head), and nothing else; other refusals change nothing.
            if (changed.length > 0 && (res.status === 401 || res.status === 429)) {
              expect(
                changed.filter((table) => !table.startsWith('audit_')),
                `tables changed by a ${about}`,
              ).toEqual([]);
              expect(await recordsBesidesFailedSignIns(), `records besides failed sign-ins after a ${about}`).toBe(otherRecords);
            } else {
              expect(changed, `tables changed by a ${about}`).toEqual([]);
            }
          }
          expect(Object.getOwnPropertyNames(Object.prototype), `${about}: Object.prototype`).not.toContain('polluted');
          const live = await t.server.app.inject({ method: 'GET', url: '/v2/liveness' });
          expect(live.statusCode, `liveness after ${about}`).toBe(200);
        } finally {
          // Also after a failed check, so that fast-check's shrinking starts each replay from the store as it is.
          if (res.status === 200 && !(await stillAdmitted(t, browser, route))) {
            // The valid call spent the session (signed out, or moved it on): the next body gets a fresh one.
            admitted = await fresh();
            browser = admitted.browser;
          }
          noteSecrets();
          const next = await store.read();
          // Listing the audit costs; only a change to it can change the count.
          if (changedTables(rows, next).some((table) => table.startsWith('audit_'))) otherRecords = await recordsBesidesFailedSignIns();
          rows = next;
        }
      };
      const sweep = sweepBodies(route.body, pools, SKIP);
      await fc.assert(fc.asyncProperty(anyBody(route.body, pools, SKIP), expectAnswered), {
        seed: SEED,
        numRuns: sweep.length + DASHBOARD_RUNS * 3,
        examples: sweep.map((body) => [body]),
      });
    });
  }
});
