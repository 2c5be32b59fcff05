import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { auditCount, newKey } from './key-fixtures.js';
import { recoverableApi, VAULT_TOKEN } from './vault-fixtures.js';

/**
 * A vault is trusted to keep secrets, not to answer with the right one: a decrypted plaintext is handed out only when
 * it hashes to the key's stored hash. This vault (speaking `keyward vault serve`'s protocol, see src/vault/server.ts)
 * keeps every plaintext it is given and, once told to swap, answers each decryption with another key's plaintext,
 * exactly what a buggy or hostile vault could do. AES-GCM cannot catch that: the vault itself is what lies.
 */

interface SwappingVault {
  url: string;
  /** false: decryptions answer the key's own plaintext (an honest vault); true: the plaintext of another key. */
  swap: boolean;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

async function startSwappingVault(): Promise<SwappingVault> {
  const plaintexts = new Map<string, string>();
  const vault = { swap: false } as SwappingVault;
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readJson(request);
      const answer = (status: number, payload: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (request.headers.authorization !== `Bearer ${VAULT_TOKEN}`) return answer(401, { error: 'unauthorized' });
      switch (request.url) {
        case '/v1/check':
          return answer(200, { ok: true });
        case '/v1/encrypt':
          plaintexts.set(body.keyId, body.plaintext);
          return answer(200, {
            ciphertext: `kw1.dek_swapping0000.${Buffer.from(body.keyId).toString('base64url')}`,
            dekId: 'dek_swapping0000',
          });
        case '/v1/decrypt': {
          const other = [...plaintexts].find(([keyId]) => keyId !== body.keyId);
          const plaintext = vault.swap ? other?.[1] : plaintexts.get(body.keyId);
          return plaintext === undefined ? answer(422, { error: 'decryption_failed' }) : answer(200, { plaintext });
        }
        default:
          return answer(404, { error: 'not_found' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  vault.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vault.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return vault;
}

for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`a decrypted plaintext must hash to the key's stored hash (${engine})`, () => {
    let vault: SwappingVault;
    let t: TestServer;
    let apiId: string;
    let first: { keyId: string; key: string };
    let second: { keyId: string; key: string };

    beforeAll(async () => {
      vault = await startSwappingVault();
      t = await startTestServer({ engine, env: { KEYWARD_VAULT_URL: vault.url, KEYWARD_VAULT_TOKEN: VAULT_TOKEN } });
      apiId = await recoverableApi(t);
      first = await newKey(t, { apiId, recoverable: true });
      second = await newKey(t, { apiId, recoverable: true });
    });
    afterAll(async () => {
      await t?.close();
      await vault?.close();
    });

    it('an honest answer is handed out (the vault works as a vault)', async () => {
      vault.swap = false;
      expect((await t.call('keys.getKey', { keyId: first.keyId, decrypt: true })).body.data.plaintext).toBe(first.key);
      const listed = await t.call('apis.listKeys', { apiId, decrypt: true });
      expect(Object.fromEntries(listed.body.data.map((k: any) => [k.keyId, k.plaintext]))).toEqual({
        [first.keyId]: first.key,
        [second.keyId]: second.key,
      });
    });

    it("another key's plaintext is never handed out: keys.getKey answers 500, apis.listKeys leaves it out; nothing audited", async () => {
      vault.swap = true;
      const records = await auditCount(t);
      const got = await t.call('keys.getKey', { keyId: first.keyId, decrypt: true });
      expect(got.status).toBe(500);
      expect(got.body.error.type).toMatch(/application\/unexpected_error$/);
      const listed = await t.call('apis.listKeys', { apiId, decrypt: true });
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((k: any) => [k.keyId, k.plaintext])).toEqual([
        [first.keyId, undefined],
        [second.keyId, undefined],
      ]);
      for (const body of [got.body, listed.body])
        for (const secret of [first.key, second.key]) expect(JSON.stringify(body)).not.toContain(secret);
      expect(await auditCount(t)).toBe(records);
    });
  });
}
