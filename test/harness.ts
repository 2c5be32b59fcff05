import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { TestClock } from '../src/core/clock.js';
import { createServer, type KeywardServer, type ServerOptions } from '../src/server.js';
import { LANE_OPERATIONS } from '../src/http/verify-lane.js';
import { openDatabase } from '../src/storage/sql/dialect.js';
import { migrateToLatest } from '../src/storage/sql/migrate.js';

/**
 * Test servers on real storage. Each server gets its own SQLite file or its own PostgreSQL schema,
 * so tests never share state and never depend on order. Calls go through Fastify's inject (no
 * socket), except verifications (see `transport`); `listen()` serves the real @unkey/api client.
 */

export type EngineName = 'sqlite' | 'postgres';

export const POSTGRES_BASE_URL = process.env.KEYWARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface CallResult {
  status: number;
  body: any;
  headers: import('node:http').OutgoingHttpHeaders;
}

export interface TestServer {
  server: KeywardServer;
  clock: TestClock;
  workspaceId: string;
  rootKey: string;
  /** POST /v2/<operation> with the bootstrap root key unless `rootKey` is given (null sends no header). */
  call(operation: string, body: unknown, options?: { rootKey?: string | null; headers?: Record<string, string> }): Promise<CallResult>;
  /** A fresh workspace in the same store with its own all-permission root key. */
  newWorkspace(): Promise<{ workspaceId: string; rootKey: string }>;
  /** A root key in `workspaceId` holding exactly `permissions`. */
  rootKeyWith(permissions: string[], workspaceId?: string): Promise<string>;
  listen(): Promise<string>;
  databaseUrl: string;
  close(): Promise<void>;
}

/** One POST over a real socket from `agent`'s pool: its status, headers and body text. */
function overSocket(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  payload: string,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A PostgreSQL URL whose connections use a fresh schema, and a function that drops it. */
export async function freshPostgresSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `kw_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const separator = POSTGRES_BASE_URL.includes('?') ? '&' : '?';
  return {
    url: `${POSTGRES_BASE_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** A fresh schema migrated as the main store migrates it (its analytics tables included, migration 0006), or only up to `upTo`. */
export async function migratedPostgresSchema(upTo?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = await freshPostgresSchema();
  const migrating = openDatabase(schema.url);
  try {
    await migrateToLatest(migrating.db, migrating.dialect, upTo);
  } finally {
    await migrating.db.destroy();
  }
  return schema;
}

/** A database URL for `engine` and a cleanup function. */
export async function freshDatabase(engine: EngineName): Promise<{ url: string; dataDir: string; drop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyward-test-'));
  if (engine === 'sqlite') {
    return { url: join(dataDir, 'keyward.sqlite'), dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const { url, drop } = await freshPostgresSchema();
  return {
    url,
    dataDir,
    drop: async () => {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(
  options: {
    engine?: EngineName;
    logStream?: { write(line: string): void };
    env?: Record<string, string>;
    /**
     * How `call` sends the lane's operations (keys.verifyKey, ratelimit.limit): by default over a real socket, so they
     * take the lane as in production (src/http/verify-lane.ts); 'inject' sends them through Fastify alone. Other
     * operations always use inject.
     */
    transport?: 'http' | 'inject';
    /** Arm the periodic jobs' timer as production does (off by default: tests call `server.runJobs()` themselves). */
    backgroundJobs?: boolean;
    /** Where the server writes analytics batches (ServerOptions.analytics); absent: none is written. */
    analytics?: ServerOptions['analytics'];
  } = {},
): Promise<TestServer> {
  const engine = options.engine ?? (process.env.KEYWARD_TEST_ENGINE as EngineName | undefined) ?? 'sqlite';
  const database = await freshDatabase(engine);
  const config = loadConfig({
    KEYWARD_PORT: '0',
    KEYWARD_DATA_DIR: database.dataDir,
    KEYWARD_DATABASE_URL: database.url,
    KEYWARD_LOG_LEVEL: 'silent',
    // A test closes its server once its requests are answered, so nothing is in flight to wait for; the default 10 s
    // grace would hold every close for the 1 s idle settle meant for clients racing a SIGTERM (src/http/draining.ts).
    KEYWARD_SHUTDOWN_GRACE_MS: '100',
    ...options.env,
  });
  const clock = new TestClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const server = await createServer({
    config,
    clock,
    backgroundJobs: options.backgroundJobs ?? false,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.analytics ? { analytics: options.analytics } : {}),
  });
  const boot = await server.services.workspaces.bootstrap();

  const transport = options.transport ?? 'http';
  // Bounded like a real client's pool: a test firing 1,000 calls at once must not open 1,000 sockets (the server's
  // KEYWARD_MAX_CONNECTIONS would refuse some, and a busy machine then times out connecting to Redis).
  const laneAgent = new Agent({ keepAlive: true, maxSockets: 50 });
  let address: Promise<string> | undefined;
  // Listening is idempotent: verifications and the caller's own clients share one socket.
  const listen = () => (address ??= server.listen());

  const call: TestServer['call'] = async (operation, body, callOptions = {}) => {
    const rootKey = callOptions.rootKey === undefined ? boot.rootKey : callOptions.rootKey;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...callOptions.headers };
    if (rootKey !== null) headers.authorization = `Bearer ${rootKey}`;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (LANE_OPERATIONS.has(operation) && transport === 'http') {
      const response = await overSocket(laneAgent, `${await listen()}/v2/${operation}`, headers, payload);
      return { status: response.status, body: parseBody(response.text), headers: response.headers };
    }
    const response = await server.app.inject({ method: 'POST', url: `/v2/${operation}`, headers, payload });
    return { status: response.statusCode, body: parseBody(response.body), headers: response.headers };
  };

  return {
    server,
    clock,
    workspaceId: boot.workspaceId,
    rootKey: boot.rootKey,
    databaseUrl: database.url,
    call,
    newWorkspace: async () => {
      const created = await server.services.workspaces.bootstrap('other');
      return { workspaceId: created.workspaceId, rootKey: created.rootKey };
    },
    rootKeyWith: async (permissions, workspaceId = boot.workspaceId) =>
      (await server.services.workspaces.createRootKey(workspaceId, permissions, 'test')).rootKey,
    listen,
    close: async () => {
      laneAgent.destroy();
      await server.close();
      await database.drop();
    },
  };
}
