import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';
import { runSql } from './raw-sql.js';

/**
 * No change without its audit record: with a trigger that makes every audit write fail, each operation answers 500
 * and leaves everything as it was, because the audit record is written in the change's own transaction. Each case
 * then runs again without the trigger and succeeds, so the 500 came from the refused audit write and not from the
 * request itself.
 */

const REFUSE_AUDIT: Record<EngineName, string[]> = {
  sqlite: ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_logs BEGIN SELECT RAISE(ABORT, 'audit write refused'); END"],
  postgres: [
    "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit write refused'; END $$",
    'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
  ],
};
const ALLOW_AUDIT: Record<EngineName, string[]> = {
  sqlite: ['DROP TRIGGER refuse_audit'],
  postgres: ['DROP TRIGGER refuse_audit ON audit_logs', 'DROP FUNCTION refuse_audit()'],
};

interface AtomicCase {
  /** The operation and its body (made fresh for each attempt). */
  call: () => [operation: string, body: unknown];
  /** Everything the operation would change, read through the API (reads write no audit record). */
  state: () => Promise<unknown>;
}

for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`a failed audit write rolls its change back (${engine})`, () => {
    let t: TestServer;
    let apiId: string;
    let keyId: string;
    let rootKeyId: string;
    let identityId: string;

    beforeAll(async () => {
      t = await startTestServer({ engine });
      apiId = await newApi(t);
      keyId = (await newKey(t, { apiId, name: 'before', credits: { remaining: 5 } })).keyId;
      rootKeyId = (await t.call('rootKeys.createRootKey', { name: 'before', permissions: ['api.*.read_api'] })).body.data.rootKeyId;
      identityId = (await t.call('identities.createIdentity', { externalId: 'before' })).body.data.identityId;
    });
    afterAll(async () => {
      await t.close();
    });

    const read = async (operation: string, body: unknown) => {
      const res = await t.call(operation, body);
      return { status: res.status, data: res.body.data };
    };
    const keysOfApi = () => read('apis.listKeys', { apiId });
    const theKey = () => read('keys.getKey', { keyId });
    const rootKeys = () => read('rootKeys.listRootKeys', {});
    const identities = () => read('identities.listIdentities', {});

    const CASES: Record<string, AtomicCase> = {
      'keys.createKey': { call: () => ['keys.createKey', { apiId, name: 'created' }], state: keysOfApi },
      'keys.updateKey': { call: () => ['keys.updateKey', { keyId, name: `renamed ${Math.random()}`, enabled: false }], state: theKey },
      'keys.updateCredits': { call: () => ['keys.updateCredits', { keyId, operation: 'increment', value: 10 }], state: theKey },
      'rootKeys.createRootKey': {
        call: () => ['rootKeys.createRootKey', { name: 'created', permissions: ['api.*.read_api'] }],
        state: rootKeys,
      },
      'rootKeys.updateRootKey': {
        call: () => ['rootKeys.updateRootKey', { rootKeyId, name: `renamed ${Math.random()}` }],
        state: rootKeys,
      },
      'identities.createIdentity': {
        call: () => ['identities.createIdentity', { externalId: `created_${Math.random()}` }],
        state: identities,
      },
      'identities.updateIdentity': {
        call: () => ['identities.updateIdentity', { identity: identityId, meta: { changed: Math.random() } }],
        state: identities,
      },
      // Last: it removes the key the cases above change.
      'keys.deleteKey': {
        call: () => ['keys.deleteKey', { keyId }],
        state: async () => ({ key: await theKey(), list: await keysOfApi() }),
      },
    };

    it.each(Object.keys(CASES))('%s', async (name) => {
      const spec = CASES[name]!;
      const before = await spec.state();
      for (const sql of REFUSE_AUDIT[engine]) await runSql(t.databaseUrl, sql);
      let refused;
      try {
        refused = await t.call(...spec.call());
      } finally {
        for (const sql of ALLOW_AUDIT[engine]) await runSql(t.databaseUrl, sql);
      }
      expect(refused.status).toBe(500);
      expect(await spec.state()).toEqual(before);

      const accepted = await t.call(...spec.call());
      expect(accepted.status).toBe(200);
      expect(await spec.state()).not.toEqual(before);
    });
  });
}
