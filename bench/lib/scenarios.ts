import { randomBytes } from 'node:crypto';
import { bulkKey, PERMISSION_QUERY, sampleIndexes, type BenchDatabase, type Engine } from './keys.js';

/** How a scenario's server is started; scenarios with equal `serverKey`s could share one process. */
export type ServerSpec =
  | { kind: 'ceiling' }
  | { kind: 'peer'; file: string }
  /** `root`: the checkout whose build serves (a `--variants` root=DIR); absent: the bench's --keyward-root. */
  | { kind: 'keyward'; db: BenchDatabase; env: Record<string, string>; root?: string };

export interface Scenario {
  /** Stable id, e.g. `sqlite-1k-verify-cached`; --only and --profile match it. */
  id: string;
  /** The report's table this row belongs to. */
  group: string;
  label: string;
  engine?: Engine;
  stored?: number;
  server: ServerSpec;
  path: string;
  /** Request bodies, one JSON document each, cycled by wrk. */
  bodies: () => string[];
  /** A substring every answer must contain; several are separated by `&&`. */
  expect: string;
  /** Sends the database's root key as a bearer token. */
  auth: boolean;
  /** Distinct keys are cycled: start each run further along so no run repeats the previous one's keys. */
  cycle?: boolean;
  /** What the row measures, in a few words for the report. */
  note?: string;
  /** One load of this many seconds (no warm-up, one run) instead of the bench's runs. */
  sustainedSeconds?: number;
  /** Read keyward_analytics_events_total from /metrics before and after the load (issue 14). */
  analyticsEvents?: boolean;
  /**
   * A second client run beside every load of this scenario, on its own connections (issue 16's flood: valid keys
   * verified while unknown ones pour in); its latencies are reported on a row of their own.
   */
  companion?: { label: string; bodies: () => string[]; expect: string; connections: number };
}

/** Keys verified in the "cached" scenarios: a hot set, looked up in the cache after the warm-up. */
export const HOT_KEYS = 1_000;
/** The key cache size of the cold scenario on a small store, well under the keys cycled. */
export const COLD_CACHE_SIZE = 100;
/** Distinct keys cycled by the cold scenario on large stores: more than the default cache (100,000) holds. */
export const COLD_KEYS_LARGE = 150_000;
/** Connections of the client verifying valid keys beside the unknown-key flood (the flood keeps the bench's 50). */
export const FLOOD_COMPANION_CONNECTIONS = 10;

/**
 * Well-formed keys no store holds (the bulk keys' shape, another seed), each different: an attacker's flood. Far more
 * than a quick run sends, so none repeats within a run and no answer can come from a cache of earlier misses.
 */
export function unknownKeys(count: number): string[] {
  return Array.from({ length: count }, () => `bk_${randomBytes(16).toString('hex')}`);
}

export const sizeLabel = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

const verifyBodies = (keys: string[], extra: Record<string, unknown> = {}) => keys.map((key) => JSON.stringify({ key, ...extra }));

export interface VerifyPlan {
  /** Which verify scenarios to include for this database. */
  kinds: ReadonlyArray<
    'cached' | 'cached-analytics-off' | 'cached-workers-2' | 'sustained' | 'credits' | 'ratelimit' | 'permission' | 'cold' | 'unknown-flood'
  >;
  /** Which other operations to include. */
  operations: ReadonlyArray<'createKey' | 'ratelimit.limit' | 'listKeys'>;
  redisUrl: string;
  /** Seconds of the sustained-events load. */
  sustainedSeconds: number;
  /** Distinct unknown keys of the flood scenario: more than one of its loads sends. */
  floodKeys?: number;
}

/**
 * The scenarios on one database. SQLite runs as one node would (memory limiter); PostgreSQL as many nodes would,
 * with KEYWARD_REDIS_URL set, so its rate limits go through the Redis limiter.
 */
export function keywardScenarios(db: BenchDatabase, plan: VerifyPlan): Scenario[] {
  const engineName = db.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const size = sizeLabel(db.stored);
  const env: Record<string, string> = db.engine === 'postgres' ? { KEYWARD_REDIS_URL: plan.redisUrl } : {};
  const server: ServerSpec = { kind: 'keyward', db, env };
  const limiter = db.engine === 'postgres' ? 'Redis limiter' : 'memory limiter';
  const group = `keys.verifyKey on ${engineName}`;
  const base = { engine: db.engine, stored: db.stored, path: '/v2/keys.verifyKey', auth: true, expect: '"valid":true', server, group };
  const out: Scenario[] = [];
  for (const kind of plan.kinds) {
    switch (kind) {
      case 'cached':
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-cached`,
          label: `cached key, ${size} stored`,
          note: `${Math.min(HOT_KEYS, db.stored).toLocaleString('en-US')} hot keys cycled, all in the cache after the warm-up`,
          expect: '"valid":true&&"keyId":"key_000000',
          bodies: () => verifyBodies(sampleIndexes(db.stored, HOT_KEYS, 1).map(bulkKey)),
        });
        break;
      case 'cached-analytics-off':
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-cached-analytics-off`,
          label: `cached key, ${size} stored, KEYWARD_ANALYTICS=off`,
          note: 'as "cached key" with no event recorded: what recording costs is the difference',
          server: { ...server, env: { ...env, KEYWARD_ANALYTICS: 'off' } },
          expect: '"valid":true&&"keyId":"key_000000',
          bodies: () => verifyBodies(sampleIndexes(db.stored, HOT_KEYS, 1).map(bulkKey)),
        });
        break;
      case 'cached-workers-2':
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-cached-workers-2`,
          label: `cached key, ${size} stored, \`--workers 2\``,
          note:
            'as "cached key", served by two node:cluster workers on the same one core: CPU us/req is the cost of workers; ' +
            'this 2-core machine (one core for wrk) cannot show throughput scaling',
          server: { ...server, env: { ...env, KEYWARD_WORKERS: '2' } },
          expect: '"valid":true&&"keyId":"key_000000',
          bodies: () => verifyBodies(sampleIndexes(db.stored, HOT_KEYS, 1).map(bulkKey)),
        });
        break;
      case 'unknown-flood': {
        const count = plan.floodKeys ?? 200_000;
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-unknown-flood`,
          label: `flood of unknown keys, ${size} stored`,
          note: `${count.toLocaleString('en-US')} random well-formed keys, none stored, none repeated; the row below is a client verifying valid keys meanwhile`,
          expect: '"valid":false&&"code":"NOT_FOUND"',
          bodies: () => verifyBodies(unknownKeys(count)),
          cycle: true,
          companion: {
            label: `valid keys verified during the flood (${FLOOD_COMPANION_CONNECTIONS} connections)`,
            expect: '"valid":true&&"keyId":"key_000000',
            bodies: () => verifyBodies(sampleIndexes(db.stored, HOT_KEYS, 1).map(bulkKey)),
            connections: FLOOD_COMPANION_CONNECTIONS,
          },
        });
        break;
      }
      case 'sustained':
        out.push({
          ...base,
          group: `Analytics on ${engineName}`,
          id: `${db.engine}-${size}-verify-sustained`,
          label: `cached key, ${plan.sustainedSeconds} s without a pause, every event recorded`,
          note: 'one verification event per answer; keyward_analytics_events_total read from /metrics before and after',
          expect: '"valid":true&&"keyId":"key_000000',
          bodies: () => verifyBodies(sampleIndexes(db.stored, HOT_KEYS, 1).map(bulkKey)),
          sustainedSeconds: plan.sustainedSeconds,
          analyticsEvents: true,
        });
        break;
      case 'credits':
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-credits`,
          label: `with credits, ${size} stored`,
          note: 'one key, one atomic UPDATE per verification',
          expect: '"valid":true&&"credits":',
          bodies: () => verifyBodies([db.special.credits]),
        });
        break;
      case 'ratelimit':
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-ratelimit`,
          label: `auto-applied rate limit (${limiter}), ${size} stored`,
          note: 'one key with an autoApply limit it never reaches',
          expect: '"valid":true&&"exceeded":false',
          bodies: () => verifyBodies([db.special.ratelimit]),
        });
        break;
      case 'permission':
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-permission`,
          label: `permission query, ${size} stored`,
          note: `\`${PERMISSION_QUERY}\``,
          expect: '"valid":true&&"permissions":[',
          bodies: () => verifyBodies([db.special.permission], { permissions: PERMISSION_QUERY }),
        });
        break;
      case 'cold': {
        // Every lookup misses the key cache: more distinct keys are cycled, in order, than the cache holds, and it
        // evicts the oldest entry first. On a small store the cache is made small; on large ones it keeps its
        // default size (100,000 entries) and fills up to it, which is what peak memory measures there.
        const small = db.stored < COLD_KEYS_LARGE;
        const count = small ? db.stored : COLD_KEYS_LARGE;
        out.push({
          ...base,
          id: `${db.engine}-${size}-verify-cold`,
          label: `cold cache, ${size} stored`,
          note: small
            ? `${count.toLocaleString('en-US')} distinct keys cycled through a ${COLD_CACHE_SIZE}-entry key cache: every lookup is a query`
            : `${count.toLocaleString('en-US')} distinct keys cycled through the default 100,000-entry cache: every lookup is a query`,
          server: small ? { ...server, env: { ...env, KEYWARD_CACHE_SIZE: String(COLD_CACHE_SIZE) } } : server,
          expect: '"valid":true&&"keyId":"key_000000',
          bodies: () => verifyBodies(sampleIndexes(db.stored, count, 2).map(bulkKey)),
          cycle: true,
        });
        break;
      }
    }
  }
  const opsGroup = `Other operations on ${engineName}`;
  for (const operation of plan.operations) {
    switch (operation) {
      case 'createKey':
        out.push({
          ...base,
          group: opsGroup,
          id: `${db.engine}-${size}-createKey`,
          label: 'keys.createKey',
          path: '/v2/keys.createKey',
          expect: '"keyId"',
          note: 'a new key per request (with its audit record)',
          bodies: () => [JSON.stringify({ apiId: db.writesApiId, prefix: 'load', name: 'load' })],
        });
        break;
      case 'ratelimit.limit':
        out.push({
          ...base,
          group: opsGroup,
          id: `${db.engine}-${size}-ratelimit-limit`,
          label: `ratelimit.limit (${limiter})`,
          path: '/v2/ratelimit.limit',
          expect: '"success":true',
          note: '1,000 identifiers cycled in one namespace',
          bodies: () =>
            Array.from({ length: 1000 }, (_, i) =>
              JSON.stringify({ namespace: 'bench', identifier: `user_${i}`, limit: 1_000_000_000, duration: 60_000 }),
            ),
        });
        break;
      case 'listKeys':
        out.push({
          ...base,
          group: opsGroup,
          id: `${db.engine}-${size}-listKeys`,
          label: 'apis.listKeys, pages of 100',
          path: '/v2/apis.listKeys',
          expect: '"data":[',
          note: `the first ${db.listCursors.length + 1} pages cycled`,
          bodies: () =>
            [undefined, ...db.listCursors].map((cursor) =>
              JSON.stringify(cursor ? { apiId: db.apiId, limit: 100, cursor } : { apiId: db.apiId, limit: 100 }),
            ),
        });
        break;
    }
  }
  return out;
}

export function ceilingScenario(id = 'ceiling'): Scenario {
  return {
    id,
    group: 'Ceiling',
    label: 'bare node:http, fixed JSON answer',
    server: { kind: 'ceiling' },
    path: '/v2/keys.verifyKey',
    expect: '"valid":true',
    auth: true,
    note: 'reads the small JSON POST, answers a fixed small JSON body',
    // The same body and headers as a cached verification, so the load generator does the same work.
    bodies: () => [JSON.stringify({ key: bulkKey(1) })],
  };
}

export function peerScenario(file: string, keys: string[]): Scenario {
  return {
    id: 'peer-verify',
    group: 'Peer',
    label: 'better-auth api-key verifyApiKey (SQLite, WAL)',
    server: { kind: 'peer', file },
    path: '/verify',
    expect: '"valid":true',
    auth: true,
    note: `${keys.length.toLocaleString('en-US')} keys cycled; writes its row on every verification`,
    bodies: () => verifyBodies(keys),
  };
}
