import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leakReportConfig } from './leak-reports.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-leak-config-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const pem = (type: 'ec' | 'rsa') =>
  (type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 })).publicKey
    .export({ type: 'spki', format: 'pem' })
    .toString();

const read = (env: NodeJS.ProcessEnv) => {
  const problems: string[] = [];
  return { ...leakReportConfig(env, problems), problems };
};

describe('KEYWARD_LEAK_REPORT_KEYS', () => {
  it('unset: no keys, so no leak endpoint; the tokens per minute default to 1000', () => {
    expect(read({})).toEqual({ leakReportKeys: null, leakReportTokensPerMinute: 1000, problems: [] });
  });

  it('reads identifier -> PEM and the shape GitHub publishes alike', () => {
    const key = pem('ec');
    expect(read({ KEYWARD_LEAK_REPORT_KEYS: file('plain.json', JSON.stringify({ k1: key })) }).leakReportKeys).toEqual({ k1: key });
    const published = JSON.stringify({ public_keys: [{ key_identifier: 'k2', key, is_current: true }] });
    expect(read({ KEYWARD_LEAK_REPORT_KEYS: file('github.json', published) }).leakReportKeys).toEqual({ k2: key });
  });

  it.each([
    ['a key that is not P-256', () => JSON.stringify({ k: pem('rsa') }), 'is not an ECDSA P-256 public key'],
    ['a string that is not PEM', () => JSON.stringify({ k: 'hello' }), 'is not a PEM public key'],
    ['no key at all', () => '{}', 'with at least one key'],
    ['not JSON', () => 'k: pem', 'readable JSON file'],
    ['an entry without an identifier', () => JSON.stringify({ public_keys: [{ key: 'x' }] }), 'with at least one key'],
  ])('refuses %s, naming the problem', (_, content, problem) => {
    const { problems } = read({ KEYWARD_LEAK_REPORT_KEYS: file(`bad-${Math.random()}.json`, content()) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('refuses a file that does not exist, and tokens per minute out of range', () => {
    expect(read({ KEYWARD_LEAK_REPORT_KEYS: join(dir, 'missing.json') }).problems[0]).toContain('readable JSON file');
    expect(read({ KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE: '0' }).problems[0]).toContain('KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE');
  });
});
