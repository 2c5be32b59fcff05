import { startTestServer } from '../../../../test/harness.js';
import { recoverableKeySuite } from '../../../../test/recoverable-suite.js';
import { masterKey } from '../../../../test/vault-fixtures.js';

/**
 * Recoverable keys across keys.createKey / getKey / rerollKey / whoami, apis.listKeys and
 * apiSettings.updateSettings, with the vault in the server process (KEYWARD_MASTER_KEYS; the vault store a
 * SQLite file in its own directory). test/vault-e2e.test.ts runs the same suite against `keyward vault serve`.
 */
recoverableKeySuite('vault in the server process', async () => {
  const t = await startTestServer({ env: { KEYWARD_MASTER_KEYS: masterKey(1) } });
  return { t, close: () => t.close() };
});
