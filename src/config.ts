import { resolve } from 'node:path';

/**
 * The only reader of process.env. Every variable is parsed and checked once; all problems are
 * reported together, and the result is frozen. Secrets (none yet besides the passwords in the
 * database and Redis URLs) are redacted by `describeConfig`.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A SQLite file path or a postgres:// URL. */
  databaseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Entries in each in-process cache (keys, root keys). */
  cacheSize: number;
  /** How long a cached lookup is served without a refresh, and how long past that it may be served while refreshing. */
  cacheFreshMs: number;
  cacheStaleMs: number;
  /** redis:// or rediss://: shared rate-limit counters and cache invalidation across nodes. null: one node, in memory. */
  redisUrl: string | null;
  /**
   * Requests per minute each workspace may make through the API, for workspaces without their own value
   * (set with `keyward workspace-limit`). null: unlimited. 0: every request is refused with 429.
   */
  workspaceRateLimit: number | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Requests per minute; the database column is a 32-bit integer on PostgreSQL. */
export const MAX_WORKSPACE_RATE_LIMIT = 1_000_000_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const port = integer(env, 'KEYWARD_PORT', 7070, 0, 65535, problems);
  const host = env.KEYWARD_HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(host)) problems.push(`KEYWARD_HOST must be a host name or IP address, got "${host}"`);
  const dataDir = resolve(env.KEYWARD_DATA_DIR?.trim() || './data');

  let databaseUrl = env.KEYWARD_DATABASE_URL?.trim() || resolve(dataDir, 'keyward.sqlite');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl)) {
    if (!/^postgres(ql)?:\/\//i.test(databaseUrl) && !/^sqlite:\/\//i.test(databaseUrl)) {
      problems.push(`KEYWARD_DATABASE_URL must be a postgres:// URL or a SQLite file path, got scheme "${databaseUrl.split(':')[0]}"`);
    } else if (/^sqlite:\/\//i.test(databaseUrl)) {
      databaseUrl = resolve(databaseUrl.replace(/^sqlite:\/\//i, ''));
    } else {
      try {
        new URL(databaseUrl);
      } catch {
        problems.push('KEYWARD_DATABASE_URL is not a valid URL');
      }
    }
  } else {
    databaseUrl = resolve(databaseUrl);
  }

  const logLevel = (env.KEYWARD_LOG_LEVEL?.trim() || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`KEYWARD_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const redisUrl = env.KEYWARD_REDIS_URL?.trim() || null;
  // The URL is not echoed: it may carry a password.
  if (redisUrl !== null && !isRedisUrl(redisUrl)) problems.push('KEYWARD_REDIS_URL must be a redis:// or rediss:// URL with a host');

  // Unset or empty: no limit. Unlike the other integers, "no value" is not a number.
  const workspaceRateLimit = (env.KEYWARD_WORKSPACE_RATE_LIMIT?.trim() ?? '') === ''
    ? null
    : integer(env, 'KEYWARD_WORKSPACE_RATE_LIMIT', 0, 0, MAX_WORKSPACE_RATE_LIMIT, problems);

  const config: Config = {
    port,
    host,
    dataDir,
    databaseUrl,
    logLevel,
    bodyLimit: integer(env, 'KEYWARD_BODY_LIMIT', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024, problems),
    cacheSize: integer(env, 'KEYWARD_CACHE_SIZE', 100_000, 0, 10_000_000, problems),
    cacheFreshMs: integer(env, 'KEYWARD_CACHE_FRESH_MS', 60_000, 0, 86_400_000, problems),
    cacheStaleMs: integer(env, 'KEYWARD_CACHE_STALE_MS', 300_000, 0, 86_400_000, problems),
    redisUrl,
    workspaceRateLimit,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The configuration as it may be printed: the database and Redis passwords are masked. */
export function describeConfig(config: Readonly<Config>): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: config.databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'),
    // Redis URLs often carry only a password (`redis://:secret@host`).
    redisUrl: config.redisUrl?.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@') ?? null,
  };
}
