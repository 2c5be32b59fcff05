import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { newApi, newKey } from '../../../../test/key-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const NOT_FOUND_TYPE = 'https://unkey.com/docs/errors/unkey/data/key_not_found';

describe('keys.whoami', () => {
  describe('200', () => {
    it('finds the key by the key itself and answers the same KeyData as getKey', async () => {
      const created = await newKey(t, { apiId, prefix: 'sk', name: 'acme', externalId: 'user_w', credits: { remaining: 2 } });
      const res = await t.call('keys.whoami', { key: created.key });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual((await t.call('keys.getKey', { keyId: created.keyId })).body.data);
      expect(res.body.data).toMatchObject({
        keyId: created.keyId,
        name: 'acme',
        credits: { remaining: 2 },
        identity: { externalId: 'user_w' },
      });
      expect(res.body.data).not.toHaveProperty('plaintext');
    });

    it('disabled and expired keys are still returned', async () => {
      const disabled = await newKey(t, { apiId, enabled: false });
      expect((await t.call('keys.whoami', { key: disabled.key })).body.data).toMatchObject({ keyId: disabled.keyId, enabled: false });
      const expires = t.clock.now() + 1000;
      const expired = await newKey(t, { apiId, expires });
      t.clock.advance(5000);
      expect((await t.call('keys.whoami', { key: expired.key })).body.data).toMatchObject({ keyId: expired.keyId, expires });
    });

    it('the specific-id read_key permission is enough', async () => {
      const { key, keyId } = await newKey(t, { apiId });
      const res = await t.call('keys.whoami', { key }, { rootKey: await t.rootKeyWith([`api.${apiId}.read_key`]) });
      expect(res.status).toBe(200);
      expect(res.body.data.keyId).toBe(keyId);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      await expectSchemaErrors(
        (body) => t.call('keys.whoami', body),
        [{}, { key: '' }, { key: 'x'.repeat(513) }, { key: 42 }, { key: 'abc', keyId: 'key_1' }],
      );
    });
  });

  describe('404 (masked)', () => {
    it('unknown, another workspace, and no read_key all answer the same body, which never repeats the key', async () => {
      const { key } = await newKey(t, { apiId });
      const stranger = await t.newWorkspace();
      const answers = [
        await t.call('keys.whoami', { key: 'sk_doesnotexist000000000000' }),
        await t.call('keys.whoami', { key }, { rootKey: stranger.rootKey }),
        await t.call('keys.whoami', { key }, { rootKey: await t.rootKeyWith(['api.*.read_api', 'api.api_other.read_key']) }),
      ];
      for (const res of answers) {
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(NOT_FOUND_TYPE);
        expect(res.body.error).toEqual(answers[0]!.body.error);
        expect(JSON.stringify(res.body)).not.toContain(key);
        expect(JSON.stringify(res.body)).not.toContain(key.slice(4));
      }
    });

    it('a deleted key', async () => {
      const { key, keyId } = await newKey(t, { apiId });
      await t.call('keys.deleteKey', { keyId });
      expect((await t.call('keys.whoami', { key })).status).toBe(404);
    });
  });
});
