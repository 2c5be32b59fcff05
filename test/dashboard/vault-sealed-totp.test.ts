import { describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.js';
import { browse, loadCsrf, newBrowser, PASSWORD, signedInOperator } from '../dashboard-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { masterKey } from '../vault-fixtures.js';

const t = useTestServer({ env: { KEYWARD_MASTER_KEYS: masterKey(1) } });

describe('TOTP secrets with a vault configured (decision 0015)', () => {
  it('are stored encrypted by the vault, never as they are, and still verify codes', async () => {
    const { operatorId, email, secret } = await signedInOperator(t);
    const stored = (await t.server.store.findOperator(operatorId))!.totpSecret!;
    expect(stored).toMatch(/^vault:kw1\.dek_/);
    expect(stored).not.toContain(secret);
    t.clock.advance(30_000);
    const browser = newBrowser();
    await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
    await loadCsrf(t, browser);
    expect((await browse(t, browser, 'dashboard.verifyMfa', { code: totpCode(secret, t.clock.now()) })).status).toBe(200);
  });
});
