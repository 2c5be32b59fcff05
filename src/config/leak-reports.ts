import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SETTINGS } from '../settings.js';
import { file, integer } from './parse.js';
import type { Config } from './types.js';

/**
 * Leak reports' settings, apart from loadConfig (config.ts): the public keys that may sign a report
 * (KEYWARD_LEAK_REPORT_KEYS, a JSON file) and the tokens reports may name per minute. The file holds either an object of
 * key identifier -> PEM, or the shape GitHub publishes its secret-scanning keys in (`public_keys`: `key_identifier`,
 * `key`), so the published document can be saved as it is. Each key must be an ECDSA P-256 public key: the protocol
 * signs with nothing else, and a key of another kind would only ever refuse.
 */
export function leakReportConfig(env: NodeJS.ProcessEnv, problems: string[]): Pick<Config, 'leakReportKeys' | 'leakReportTokensPerMinute'> {
  const leakReportTokensPerMinute = integer(
    env,
    'KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE',
    SETTINGS.KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE.default,
    1,
    1_000_000,
    problems,
  );
  const path = file(env, 'KEYWARD_LEAK_REPORT_KEYS');
  if (path === null) return { leakReportKeys: null, leakReportTokensPerMinute };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`KEYWARD_LEAK_REPORT_KEYS must name a readable JSON file: ${(error as Error).message}`);
    return { leakReportKeys: null, leakReportTokensPerMinute };
  }
  const keys = publicKeysIn(parsed);
  if (!keys || Object.keys(keys).length === 0) {
    problems.push(
      'KEYWARD_LEAK_REPORT_KEYS must hold {"<key identifier>": "<PEM>", ...} or {"public_keys": [{"key_identifier": ..., "key": ...}]} with at least one key',
    );
    return { leakReportKeys: null, leakReportTokensPerMinute };
  }
  for (const [identifier, pem] of Object.entries(keys)) {
    const problem = p256Problem(pem);
    if (problem) problems.push(`KEYWARD_LEAK_REPORT_KEYS: the key "${identifier}" ${problem}`);
  }
  return { leakReportKeys: Object.freeze(keys), leakReportTokensPerMinute };
}

function publicKeysIn(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const published = (value as { public_keys?: unknown }).public_keys;
  const entries: Array<[unknown, unknown]> = Array.isArray(published)
    ? published.map((entry) => [(entry as { key_identifier?: unknown })?.key_identifier, (entry as { key?: unknown })?.key])
    : Object.entries(value);
  const keys: Record<string, string> = {};
  for (const [identifier, pem] of entries) {
    if (typeof identifier !== 'string' || identifier === '' || typeof pem !== 'string') return undefined;
    keys[identifier] = pem;
  }
  return keys;
}

function p256Problem(pem: string): string | undefined {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      return 'is not an ECDSA P-256 public key';
    }
    return undefined;
  } catch {
    return 'is not a PEM public key';
  }
}
