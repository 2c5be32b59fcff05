import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { hashKey } from '../../src/core/key-format.js';
import { createServer } from '../../src/server.js';

/**
 * The stored keys of a benchmark database. Bulk keys are a function of their index, so neither side keeps a
 * list of a million plaintexts: key i is `bk_` + md5("kwbench:" + i) in hex, its id `key_` + i zero-padded, and
 * it is stored exactly as Keyward stores any key (SHA-256, base64). PostgreSQL computes the same values in SQL.
 * A handful of keys with credits, an auto-applied rate limit or permissions are made through the API.
 */

export type Engine = 'sqlite' | 'postgres';

const SEED = 'kwbench';

export const bulkKey = (i: number): string => `bk_${createHash('md5').update(`${SEED}:${i}`).digest('hex')}`;
export const bulkKeyId = (i: number): string => `key_000000${String(i).padStart(16, '0')}`;

/** The permissions of the permission-query key and the query the benchmark sends with it. */
export const PERMISSIONS = ['documents.read', 'documents.write', 'billing.read'];
export const PERMISSION_QUERY = 'documents.read AND (documents.write OR billing.read)';

export interface BenchDatabase {
  engine: Engine;
  /** The server's KEYWARD_DATABASE_URL and KEYWARD_DATA_DIR. */
  databaseUrl: string;
  dataDir: string;
  workspaceId: string;
  rootKey: string;
  /** The API holding the bulk keys and the special keys. */
  apiId: string;
  /** An API of its own for keys.createKey load, so it does not change what the verify scenarios see. */
  writesApiId: string;
  /** How many bulk keys are stored (keys 1..stored). */
  stored: number;
  special: { credits: string; ratelimit: string; permission: string };
  /** Cursors of the first pages of apis.listKeys (limit 100) over the bulk API; the first page has none. */
  listCursors: string[];
  /** Seconds the bulk insert took. */
  insertSeconds: number;
  drop(): Promise<void>;
}

/** A deterministic pseudo-random sequence (mulberry32), so every run picks the same keys. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indexes in 1..n (all of them when count >= n), in a shuffled order. */
export function sampleIndexes(n: number, count: number, seed: number): number[] {
  const next = random(seed);
  if (count >= n) {
    const all = Array.from({ length: n }, (_, i) => i + 1);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all;
  }
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(1 + Math.floor(next() * n));
  return [...chosen];
}

/** A PostgreSQL URL whose connections use a fresh schema of their own, and how to drop it. */
async function freshSchema(baseUrl: string): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const schema = `kw_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const separator = baseUrl.includes('?') ? '&' : '?';
  return {
    url: `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

type Inject = (operation: string, body: unknown) => Promise<any>;

/**
 * A database with a workspace, its root key, two APIs, the special keys (made through the API, in-process) and
 * `stored` bulk keys (inserted in bulk with SQL, not through HTTP).
 */
export async function prepareDatabase(
  engine: Engine,
  stored: number,
  options: { postgresUrl: string; log: (line: string) => void; keepSqliteDir?: string },
): Promise<BenchDatabase> {
  // --keep-sqlite DIR (bench/run.ts): a SQLite store seeded once and used again by later bench runs, never dropped.
  const kept = engine === 'sqlite' && options.keepSqliteDir ? join(options.keepSqliteDir, `sqlite-${stored}`) : undefined;
  const keptMeta = kept && join(kept, 'bench-store.json');
  if (keptMeta && existsSync(keptMeta)) {
    options.log(`  sqlite: using the store seeded before in ${kept}`);
    const saved = JSON.parse(readFileSync(keptMeta, 'utf8')) as Omit<BenchDatabase, 'drop'>;
    return { ...saved, insertSeconds: 0, drop: async () => undefined };
  }
  if (kept) {
    rmSync(kept, { recursive: true, force: true });
    mkdirSync(kept, { recursive: true });
  }
  const dataDir = kept ?? mkdtempSync(join(tmpdir(), 'keyward-bench-'));
  let databaseUrl = join(dataDir, 'keyward.sqlite');
  let dropSchema: (() => Promise<void>) | undefined;
  if (engine === 'postgres') {
    const fresh = await freshSchema(options.postgresUrl);
    databaseUrl = fresh.url;
    dropSchema = fresh.drop;
  }
  const drop = async () => {
    await dropSchema?.();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const keep = kept ? async () => undefined : drop;

  try {
    const config = loadConfig({
      KEYWARD_PORT: '0',
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_DATABASE_URL: databaseUrl,
      KEYWARD_LOG_LEVEL: 'silent',
    });
    const server = await createServer({ config, backgroundJobs: false });
    let prepared: Omit<BenchDatabase, 'listCursors' | 'insertSeconds' | 'stored' | 'drop'>;
    try {
      const boot = await server.services.workspaces.bootstrap();
      const inject: Inject = async (operation, body) => {
        const response = await server.app.inject({
          method: 'POST',
          url: `/v2/${operation}`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${boot.rootKey}` },
          payload: JSON.stringify(body),
        });
        if (response.statusCode !== 200) throw new Error(`set-up ${operation} answered ${response.statusCode}: ${response.body}`);
        return response.json().data;
      };
      const api = await inject('apis.createApi', { name: 'bench' });
      const writes = await inject('apis.createApi', { name: 'bench-writes' });
      const credits = await inject('keys.createKey', {
        apiId: api.apiId,
        prefix: 'bench',
        name: 'credits',
        credits: { remaining: 1_000_000_000_000 },
      });
      const ratelimit = await inject('keys.createKey', {
        apiId: api.apiId,
        prefix: 'bench',
        name: 'ratelimit',
        ratelimits: [{ name: 'requests', limit: 1_000_000_000, duration: 60_000, autoApply: true }],
      });
      const permission = await inject('keys.createKey', {
        apiId: api.apiId,
        prefix: 'bench',
        name: 'permission',
        permissions: PERMISSIONS,
      });
      prepared = {
        engine,
        databaseUrl,
        dataDir,
        workspaceId: boot.workspaceId,
        rootKey: boot.rootKey,
        apiId: api.apiId,
        writesApiId: writes.apiId,
        special: { credits: credits.key, ratelimit: ratelimit.key, permission: permission.key },
      };
    } finally {
      await server.close();
    }

    const started = performance.now();
    if (engine === 'sqlite') insertSqlite(databaseUrl, prepared.workspaceId, prepared.apiId, stored);
    else await insertPostgres(databaseUrl, prepared.workspaceId, prepared.apiId, stored);
    const insertSeconds = (performance.now() - started) / 1000;
    options.log(`  ${engine}: inserted ${stored.toLocaleString('en-US')} keys in ${insertSeconds.toFixed(1)} s`);

    // Cursors of the first ten pages of 100: listKeys orders by id, and a page's cursor is its last key's id.
    const pages = Math.min(10, Math.floor(stored / 100));
    const listCursors = Array.from({ length: Math.max(0, pages - 1) }, (_, p) => bulkKeyId((p + 1) * 100));
    const database = { ...prepared, stored, listCursors, insertSeconds };
    // Written last: a store whose seeding was interrupted has no description and is seeded again.
    if (keptMeta) writeFileSync(keptMeta, JSON.stringify(database));
    return { ...database, drop: keep };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

function keyRow(i: number, workspaceId: string, apiId: string, now: number) {
  const plaintext = bulkKey(i);
  return {
    id: bulkKeyId(i),
    workspace_id: workspaceId,
    api_id: apiId,
    hash: hashKey(plaintext),
    start: plaintext.slice(0, 7),
    prefix: 'bk',
    created_at: now,
  };
}

function insertSqlite(file: string, workspaceId: string, apiId: string, stored: number): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      `INSERT INTO keys (id, workspace_id, api_id, hash, start, prefix, enabled, created_at)
       VALUES (@id, @workspace_id, @api_id, @hash, @start, @prefix, 1, @created_at)`,
    );
    const now = Date.now();
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i <= to; i++) insert.run(keyRow(i, workspaceId, apiId, now));
    });
    for (let from = 1; from <= stored; from += 50_000) batch(from, Math.min(stored, from + 49_999));
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function insertPostgres(url: string, workspaceId: string, apiId: string, stored: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    // The same key, id and hash as bulkKey/bulkKeyId/hashKey, computed by the database itself.
    for (let from = 1; from <= stored; from += 250_000) {
      const to = Math.min(stored, from + 249_999);
      await client.query(
        `INSERT INTO keys (id, workspace_id, api_id, hash, start, prefix, enabled, created_at)
         SELECT 'key_000000' || lpad(i::text, 16, '0'), $1, $2,
                encode(sha256(convert_to('bk_' || md5('${SEED}:' || i), 'UTF8')), 'base64'),
                substr('bk_' || md5('${SEED}:' || i), 1, 7), 'bk', 1, $3
         FROM generate_series($4::int, $5::int) AS i`,
        [workspaceId, apiId, now, from, to],
      );
    }
    await client.query('VACUUM ANALYZE keys');
  } finally {
    await client.end();
  }
}
