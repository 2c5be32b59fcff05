import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SqliteAnalyticsStore } from './sqlite-store.js';
import { analyticsStoreConformance } from './store.suite.js';

function openFresh() {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-analytics-'));
  const file = join(dir, 'keyward.sqlite.analytics');
  return { store: SqliteAnalyticsStore.open(file), file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

analyticsStoreConformance('analytics store on SQLite', async () => openFresh(), {
  parameter: () => '?',
  neverEndingQuery: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r',
});

const event = (requestId: string) => ({
  time: Date.UTC(2026, 4, 1),
  requestId,
  workspaceId: 'ws_1',
  keySpaceId: 'api_1',
  keyId: 'key_1',
  identityId: '',
  externalId: '',
  outcome: 'VALID',
  tags: [],
  spentCredits: 0,
  latency: 1,
  region: 'n',
});

it('keeps its file 0600 in WAL mode; a writer thread that dies fails the write it had, and the next write starts another', async () => {
  const { store, file, drop } = openFresh();
  try {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.write({ verifications: [event('r1')], ratelimits: [] });
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);

    const writer = (store as unknown as { writer: { running: { worker: { terminate(): Promise<number> } } } }).writer.running;
    // Large enough (tens of milliseconds of statements) that the thread is still inside it when it is ended: a write of
    // one event could finish before terminate() lands. Ended between two statements, never inside SQLite's own code.
    const lost = store.write({ verifications: Array.from({ length: 20_000 }, (_, i) => event(`r2-${i}`)), ratelimits: [] });
    await writer.worker.terminate();
    await expect(lost).rejects.toThrow(/writer thread ended/);
    await store.write({ verifications: [event('r3')], ratelimits: [] });
    const rows = await store.query(
      { sql: 'SELECT request_id FROM analytics_verifications ORDER BY request_id', parameters: [] },
      { timeoutMs: 5_000, maxRows: 10 },
    );
    expect(rows.map((row) => row.request_id)).toContain('r3');
    expect(rows.map((row) => row.request_id)).toContain('r1');
  } finally {
    await store.close();
    await drop();
  }
});
