import { Unkey } from '@unkey/api';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../test/per-file-server.js';

/**
 * POST /v2/leaks.report (http/leak-reports.ts, services/leak-reports/): GitHub's secret-scanning partner protocol, with
 * signing keys made here. Every report is signed as the protocol signs: ECDSA P-256, SHA-256, DER, base64, over the body.
 */

const signer = (identifier: string) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { identifier, privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const github = signer('github-key-1');
const flooder = signer('github-key-2');
// Never configured: its signatures must be refused however well-formed.
const stranger = signer('github-key-1');

const keysFile = join(mkdtempSync(join(tmpdir(), 'keyward-leaks-')), 'leak-keys.json');
// The shape GitHub publishes its keys in, and the plain identifier -> PEM object, are both read (config/leak-reports.ts).
writeFileSync(
  keysFile,
  JSON.stringify({ public_keys: [github, flooder].map((s) => ({ key_identifier: s.identifier, key: s.pem, is_current: true })) }),
);

const t = useTestServer({ env: { KEYWARD_LEAK_REPORT_KEYS: keysFile, KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE: '1100' } });

interface Match {
  token: string;
  type?: string;
  url?: string;
  source?: string;
}

const signed = (body: string, key: KeyObject) => sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64');

async function report(
  matches: Match[] | string,
  options: { by?: ReturnType<typeof signer>; headers?: Record<string, string>; unsigned?: boolean } = {},
) {
  const by = options.by ?? github;
  const body =
    typeof matches === 'string'
      ? matches
      : JSON.stringify(
          matches.map((m) => ({
            token: m.token,
            type: m.type ?? 'keyward_api_key',
            url: m.url ?? 'https://github.com/octo/repo/blob/abc/.env',
            source: m.source ?? 'content',
          })),
        );
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!options.unsigned) {
    headers['github-public-key-identifier'] = by.identifier;
    headers['github-public-key-signature'] = signed(body, by.privateKey);
  }
  const response = await t.server.app.inject({
    method: 'POST',
    url: '/v2/leaks.report',
    headers: { ...headers, ...options.headers },
    payload: body,
  });
  return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers };
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const newApi = async (name = 'leaky', rootKey?: string) =>
  (await t.call('apis.createApi', { name }, rootKey ? { rootKey } : {})).body.data.apiId as string;
const newKey = async (apiId: string, rootKey?: string) =>
  (await t.call('keys.createKey', { apiId, name: 'leaked key' }, rootKey ? { rootKey } : {})).body.data as { keyId: string; key: string };
const verify = async (key: string) => (await t.call('keys.verifyKey', { key })).body.data.code as string;
const getKey = async (keyId: string, rootKey?: string) => (await t.call('keys.getKey', { keyId }, rootKey ? { rootKey } : {})).body.data;
const leakAudit = (workspaceId: string, keyId: string) =>
  t.server.store.listAudit({ workspaceId, resourceId: keyId, events: ['key.leaked'], limit: 10 });

describe('leak reports', () => {
  it('a signed report of a live key disables it at once, records the leak on it and in the audit log, and answers true_positive', async () => {
    const apiId = await newApi();
    const { keyId, key } = await newKey(apiId);
    // Verified first, so the node's cache holds it as valid: the report must reach the cache too.
    expect(await verify(key)).toBe('VALID');

    const unknown = 'keyward_notakey_000000000000';
    const res = await report([
      { token: key, url: 'https://github.com/octo/repo/blob/abc/.env' },
      { token: unknown, type: 'other' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { token_hash: sha256Hex(key), token_type: 'keyward_api_key', label: 'true_positive' },
      { token_hash: sha256Hex(unknown), token_type: 'other', label: 'false_positive' },
    ]);

    expect(await verify(key)).toBe('DISABLED');
    const unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
    expect((await unkey.keys.verifyKey({ key })).data).toMatchObject({ valid: false, code: 'DISABLED' });
    // Upstream's client reads the key with its Keyward-only `leaks` without complaint.
    expect((await unkey.keys.getKey({ keyId })).data).toMatchObject({ keyId, enabled: false });
    const data = await getKey(keyId);
    expect(data).toMatchObject({ enabled: false });
    expect(data.leaks).toEqual([
      {
        reportedAt: t.clock.now(),
        reporter: 'github-key-1',
        tokenType: 'keyward_api_key',
        url: 'https://github.com/octo/repo/blob/abc/.env',
        source: 'content',
        action: 'disabled',
      },
    ]);

    const [record, ...more] = await leakAudit(t.workspaceId, keyId);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      event: 'key.leaked',
      actor: { type: 'system', id: 'github-key-1', name: 'leak report' },
      description: `Key ${keyId} reported leaked (keyward_api_key) at https://github.com/octo/repo/blob/abc/.env; disabled it`,
    });
    // The token is nowhere: not in the answer, the audit record or the stored leak.
    expect(JSON.stringify([res.body, record, data])).not.toContain(key);
  });

  it('leakPolicy "report" records the leak and leaves the key enabled', async () => {
    const apiId = await newApi('report only');
    const settings = await t.call('apiSettings.updateSettings', { apiId, leakPolicy: 'report' });
    expect(settings.status).toBe(200);
    expect(settings.body.data).toMatchObject({ leakPolicy: 'report' });
    const { keyId, key } = await newKey(apiId);

    const res = await report([{ token: key }]);
    expect(res.body).toEqual([{ token_hash: sha256Hex(key), token_type: 'keyward_api_key', label: 'true_positive' }]);
    expect(await verify(key)).toBe('VALID');
    expect((await getKey(keyId)).leaks).toMatchObject([{ action: 'reported' }]);
    expect((await leakAudit(t.workspaceId, keyId))[0]!.description).toContain('recorded only');

    // Back to the default: absent again from the settings.
    const back = await t.call('apiSettings.updateSettings', { apiId, leakPolicy: 'disable' });
    expect(back.body.data).not.toHaveProperty('leakPolicy');
    expect((await t.call('apiSettings.updateSettings', { apiId, leakPolicy: 'revoke' })).status).toBe(400);
  });

  it('a key of another workspace is handled in that workspace, and the reporter learns only the label', async () => {
    const other = await t.newWorkspace();
    const apiId = await newApi('theirs', other.rootKey);
    const { keyId, key } = await newKey(apiId, other.rootKey);

    const res = await report([{ token: key }]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ token_hash: sha256Hex(key), token_type: 'keyward_api_key', label: 'true_positive' }]);
    expect(JSON.stringify(res.body)).not.toContain(other.workspaceId);
    expect(JSON.stringify(res.body)).not.toContain(keyId);

    expect((await getKey(keyId, other.rootKey)).enabled).toBe(false);
    expect((await leakAudit(other.workspaceId, keyId)).map((r) => r.event)).toEqual(['key.leaked']);
    // Nothing of it in the first workspace: its audit log, or its view of the key.
    expect(await leakAudit(t.workspaceId, keyId)).toEqual([]);
    expect((await t.call('keys.getKey', { keyId })).status).toBe(404);
  });

  it('refuses unsigned, badly signed and unknown-key reports with 401, changing nothing', async () => {
    const apiId = await newApi();
    const { keyId, key } = await newKey(apiId);
    const body = JSON.stringify([{ token: key, type: 'keyward_api_key', url: 'https://x', source: 'content' }]);
    const tampered = JSON.stringify([{ token: key, type: 'keyward_api_key', url: 'https://y', source: 'content' }]);

    const refusals = [
      await report(body, { unsigned: true }),
      await report(body, { unsigned: true, headers: { 'github-public-key-identifier': github.identifier } }),
      // Signed by a key with a configured identifier but not the configured key.
      await report(body, { by: stranger }),
      // A valid signature of another body.
      await report(tampered, { headers: { 'github-public-key-signature': signed(body, github.privateKey) } }),
      await report(body, { headers: { 'github-public-key-identifier': 'unknown-key' } }),
      await report(body, { headers: { 'github-public-key-signature': 'not base64 !!' } }),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ status: 401, type: expect.stringContaining('leak_reports/signature_invalid') });
    }
    expect(await verify(key)).toBe('VALID');
    expect((await getKey(keyId)).leaks).toBeUndefined();
    expect(await leakAudit(t.workspaceId, keyId)).toEqual([]);
  });

  it('refuses a replayed report with 409, however it is re-signed, while a different report of the same key is handled', async () => {
    const apiId = await newApi('report only');
    await t.call('apiSettings.updateSettings', { apiId, leakPolicy: 'report' });
    const { keyId, key } = await newKey(apiId);
    const body = JSON.stringify([{ token: key, type: 'keyward_api_key', url: 'https://github.com/a', source: 'content' }]);
    const signature = signed(body, github.privateKey);
    expect((await report(body, { headers: { 'github-public-key-signature': signature } })).status).toBe(200);

    const replayed = await report(body, { headers: { 'github-public-key-signature': signature } });
    expect(replayed.status).toBe(409);
    expect(replayed.body.error.type).toContain('leak_reports/replayed');
    // A fresh signature of the same body is the same report.
    expect((await report(body)).status).toBe(409);
    expect((await getKey(keyId)).leaks).toHaveLength(1);

    // Found somewhere else: a new report.
    expect((await report([{ token: key, url: 'https://github.com/b' }])).status).toBe(200);
    expect((await getKey(keyId)).leaks).toHaveLength(2);

    // Forgotten after 24 hours: the digest table stays bounded.
    t.clock.advance(24 * 60 * 60 * 1000 + 1);
    expect((await report(body)).status).toBe(200);
    expect((await getKey(keyId)).leaks).toHaveLength(3);
  });

  it('bounds a flood: too many tokens in one report, a body past 1 MiB, bad shapes, and the per-minute tokens of a signing key', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ token: `keyward_flood_${i}` }));
    const many = await report(tooMany, { by: flooder });
    expect(many.status).toBe(400);
    expect(many.body.error.detail).toContain('at most 1000');

    const huge = await report([{ token: 'x', url: 'u'.repeat(1024 * 1024) }], { by: flooder });
    expect(huge.status).toBe(413);

    for (const bad of ['{"token":"x"}', '[]', '[{"type":"t"}]', '[{"token":"x","type":"t","url":5}]', 'not json']) {
      const res = await report(bad, { by: flooder });
      expect(res.status, bad).toBe(400);
    }

    // 1100 tokens a minute per signing key: 1000, then 100, then one more is too many.
    const thousand = Array.from({ length: 1000 }, (_, i) => ({ token: `keyward_flood_a${i}` }));
    const first = await report(thousand, { by: flooder });
    expect(first.status).toBe(200);
    expect(first.body.every((f: { label: string }) => f.label === 'false_positive')).toBe(true);
    const hundred = Array.from({ length: 100 }, (_, i) => ({ token: `keyward_flood_b${i}` }));
    expect((await report(hundred, { by: flooder })).status).toBe(200);
    const limited = await report([{ token: 'keyward_flood_c' }], { by: flooder });
    expect(limited.status).toBe(429);
    expect(limited.body.error.type).toContain('leak_reports/rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another signing key has its own budget.
    expect((await report([{ token: 'keyward_flood_d' }])).status).toBe(200);
    // Two minutes later (past any window the limiter weighs) the flooder may report again, and the refused report was
    // not marked as seen.
    t.clock.advance(120_000);
    expect((await report([{ token: 'keyward_flood_c' }], { by: flooder })).status).toBe(200);
  });
});
