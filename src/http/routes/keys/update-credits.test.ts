import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const credits = caller(t, 'keys.updateCredits');
const limitedKey = () => newKey(t, { apiId, credits: { remaining: 10, refill: { interval: 'monthly', amount: 10, refillDay: 1 } } });

describe('keys.updateCredits', () => {
  describe('200', () => {
    it('set, increment and decrement answer the credits after the change, refill included', async () => {
      const { keyId } = await limitedKey();
      const refill = { interval: 'monthly', amount: 10, refillDay: 1 };
      const set = await credits({ keyId, operation: 'set', value: 3 });
      expect(set.status).toBe(200);
      expect(set.body.data).toEqual({ remaining: 3, refill });
      expect((await credits({ keyId, operation: 'increment', value: 4 })).body.data).toEqual({ remaining: 7, refill });
      expect((await credits({ keyId, operation: 'decrement', value: 2 })).body.data).toEqual({ remaining: 5, refill });
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 5, refill });
      expect(await auditEvents(t, keyId)).toEqual(['key.create', 'key.update_credits', 'key.update_credits', 'key.update_credits']);
    });

    it('decrement stops at 0', async () => {
      const { keyId } = await newKey(t, { apiId, credits: { remaining: 2 } });
      const res = await credits({ keyId, operation: 'decrement', value: 5 });
      expect(res.body.data).toEqual({ remaining: 0 });
    });

    it('set null makes the key unlimited and clears its refill; remaining is present as null', async () => {
      const { keyId } = await limitedKey();
      const res = await credits({ keyId, operation: 'set', value: null });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ remaining: null });
      expect(await getKey(t, keyId)).not.toHaveProperty('credits');
      // Limited again later: the old refill did not come back.
      expect((await credits({ keyId, operation: 'set', value: 1 })).body.data).toEqual({ remaining: 1 });
    });

    it('set on an unlimited key makes it limited; updatedAt moves', async () => {
      const { keyId } = await newKey(t, { apiId });
      t.clock.advance(1000);
      expect((await credits({ keyId, operation: 'set', value: 0 })).body.data).toEqual({ remaining: 0 });
      expect(await getKey(t, keyId)).toMatchObject({ credits: { remaining: 0 }, updatedAt: t.clock.now() });
    });

    it('takes effect on verification at once', async () => {
      const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 1 } });
      expect((await t.call('keys.verifyKey', { key })).body.data.valid).toBe(true);
      expect((await t.call('keys.verifyKey', { key })).body.data.code).toBe('USAGE_EXCEEDED');
      await credits({ keyId, operation: 'increment', value: 1 });
      expect((await t.call('keys.verifyKey', { key })).body.data.valid).toBe(true);
    });

    it('the specific-id update_key permission is enough', async () => {
      const { keyId } = await limitedKey();
      const res = await credits({ keyId, operation: 'set', value: 1 }, await t.rootKeyWith([`api.${apiId}.update_key`]));
      expect(res.status).toBe(200);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await limitedKey();
      for (const body of [
        { keyId },
        { keyId, operation: 'multiply', value: 1 },
        { keyId, operation: 'set', value: -1 },
        { keyId, operation: 'set', value: 1.5 },
        { keyId, operation: 'set', value: '3' },
        { operation: 'set', value: 1 },
        { keyId: 'ab', operation: 'set', value: 1 },
        { keyId, operation: 'set', value: 1, extra: 1 },
      ]) {
        const res = await credits(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
    });

    it('increment/decrement without a number, or on an unlimited key, and set without a value; nothing changes', async () => {
      const limited = await limitedKey();
      const unlimited = await newKey(t, { apiId });
      const records = await auditCount(t);
      for (const body of [
        { keyId: limited.keyId, operation: 'increment', value: null },
        { keyId: limited.keyId, operation: 'decrement' },
        { keyId: limited.keyId, operation: 'set' },
        { keyId: unlimited.keyId, operation: 'increment', value: 1 },
        { keyId: unlimited.keyId, operation: 'decrement', value: 1 },
      ]) {
        const res = await credits(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors).toEqual([]);
      }
      expect((await getKey(t, limited.keyId)).credits.remaining).toBe(10);
      expect(await getKey(t, unlimited.keyId)).not.toHaveProperty('credits');
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('403', () => {
    it("without update_key on the key's API; nothing changes", async () => {
      const { keyId } = await limitedKey();
      const rootKey = await t.rootKeyWith(['api.*.read_key', 'api.api_other.update_key']);
      const records = await auditCount(t);
      const res = await credits({ keyId, operation: 'set', value: 1 }, rootKey);
      expect(res.status).toBe(403);
      expect((await getKey(t, keyId)).credits.remaining).toBe(10);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a random id and another workspace's key answer alike", async () => {
      const { keyId } = await limitedKey();
      const stranger = await t.newWorkspace();
      const missing = await credits({ keyId: 'key_doesnotexist', operation: 'set', value: 1 }, stranger.rootKey);
      const foreign = await credits({ keyId, operation: 'set', value: 1 }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(foreign.status).toBe(404);
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, keyId)).toEqual(strip(missing.body, 'key_doesnotexist'));
      expect((await getKey(t, keyId)).credits.remaining).toBe(10);
    });
  });
});
