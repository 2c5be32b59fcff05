import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it, vi } from 'vitest';
import { SqliteAnalyticsStore } from '../src/analytics/sqlite-store.js';
import { runCli } from '../src/cli/index.js';
import { openSqlStore } from '../src/storage/sql/sql-store.js';

/**
 * `keyward backup` copies the SQLite analytics file (src/analytics/sqlite-file.ts) beside the main database's copy
 * while its writer thread has it open, and `keyward restore` puts it back (test/backup-restore.test.ts covers the
 * main database and the vault store under load).
 */

const dir = mkdtempSync(join(tmpdir(), 'keyward-backup-analytics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runHere(args: string[], vars: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    return { code: await runCli(args), stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

const requestIds = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT request_id FROM analytics_verifications ORDER BY request_id').pluck().all();
  } finally {
    db.close();
  }
};

it('backs up the analytics file while it is written, and restores it', async () => {
  const original = join(dir, 'original');
  const restored = join(dir, 'restored');
  const main = await openSqlStore(join(original, 'keyward.sqlite'));
  await main.close();
  const analytics = SqliteAnalyticsStore.open(join(original, 'keyward.sqlite.analytics'));
  const event = (requestId: string) => ({
    time: Date.UTC(2026, 4, 1),
    requestId,
    workspaceId: 'ws',
    keySpaceId: 'api',
    keyId: 'key',
    identityId: '',
    externalId: '',
    outcome: 'VALID',
    tags: ['a'],
    spentCredits: 1,
    latency: 2,
    region: 'n',
  });
  const backup = join(dir, 'backups', 'kw.sqlite');
  try {
    await analytics.write({ verifications: [event('r1'), event('r2')], ratelimits: [] });
    const made = await runHere(['backup', backup], { KEYWARD_DATA_DIR: original, KEYWARD_LOG_LEVEL: 'silent' });
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(`Analytics: ${backup}.analytics`);
    // Written after the backup: not in it.
    await analytics.write({ verifications: [event('r3')], ratelimits: [] });
  } finally {
    await analytics.close();
  }
  expect(statSync(`${backup}.analytics`).mode & 0o777).toBe(0o600);
  expect(requestIds(`${backup}.analytics`)).toEqual(['r1', 'r2']);

  const back = await runHere(['restore', backup], { KEYWARD_DATA_DIR: restored, KEYWARD_LOG_LEVEL: 'silent' });
  expect(back.stderr).toBe('');
  expect(back.code).toBe(0);
  const restoredFile = join(restored, 'keyward.sqlite.analytics');
  expect(requestIds(restoredFile)).toEqual(['r1', 'r2']);
  // The restored file opens as an analytics store and has its rollups.
  const reopened = SqliteAnalyticsStore.open(restoredFile);
  try {
    const rows = await reopened.query(
      { sql: 'SELECT count, spent_credits FROM analytics_verifications_per_month', parameters: [] },
      { timeoutMs: 10_000, maxRows: 10 },
    );
    expect(rows).toEqual([{ count: 2, spent_credits: 2 }]);
  } finally {
    await reopened.close();
  }

  // A second backup to the same name is refused before anything is written.
  const again = await runHere(['backup', backup], { KEYWARD_DATA_DIR: original, KEYWARD_LOG_LEVEL: 'silent' });
  expect(again.code).toBe(1);
  expect(existsSync(`${backup}.analytics.partial`)).toBe(false);
});
