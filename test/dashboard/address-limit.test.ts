import { describe, expect, it } from 'vitest';
import { browse, newBrowser, PASSWORD, signedInOperator } from '../dashboard-fixtures.js';
import { useTestServer } from '../per-file-server.js';

const t = useTestServer();

describe('sign-in limiting per client address', () => {
  it('20 failures from one address, over many accounts, block that address for every account; another address still signs in', async () => {
    const { email } = await signedInOperator(t);
    const browser = newBrowser();
    for (let i = 0; i < 20; i++) {
      const res = await browse(t, browser, 'dashboard.signIn', { email: `guess${i}@example.com`, password: 'not-the-password' });
      expect(res.status).toBe(401);
    }
    const blocked = await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.type).toMatch(/sign_in_rate_limited$/);
    const elsewhere = await t.server.app.inject({
      method: 'POST',
      url: '/v2/dashboard.signIn',
      remoteAddress: '192.0.2.7',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('wrong setup tokens count against the address too: the 21st attempt is 429, before any password is hashed', async () => {
    const setup = (token: string) =>
      t.server.app.inject({
        method: 'POST',
        url: '/v2/dashboard.completeSetup',
        remoteAddress: '198.51.100.9',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token, email: 'first@example.com', password: PASSWORD }),
      });
    for (let i = 0; i < 20; i++) expect((await setup(`guess-${i}`)).statusCode).toBe(401);
    const blocked = await setup('guess-21');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
