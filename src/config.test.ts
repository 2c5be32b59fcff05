import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config.js';

describe('KEYWARD_REDIS_URL', () => {
  it('is optional: unset means one node with in-memory limits', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ KEYWARD_REDIS_URL: '  ' }).redisUrl).toBeNull();
  });

  it('accepts redis:// and rediss:// URLs', () => {
    expect(loadConfig({ KEYWARD_REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ KEYWARD_REDIS_URL: 'rediss://user:pw@cache.internal:6380/2' }).redisUrl).toBe(
      'rediss://user:pw@cache.internal:6380/2',
    );
  });

  it('refuses other schemes and non-URLs without echoing the value (it may hold a password)', () => {
    for (const value of ['http://secret@127.0.0.1:6379', 'redis://', 'localhost:6379', 'postgres://u:secret@h/db']) {
      let error: unknown;
      try {
        loadConfig({ KEYWARD_REDIS_URL: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual(['KEYWARD_REDIS_URL must be a redis:// or rediss:// URL with a host']);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('is printed with its password masked', () => {
    expect(describeConfig(loadConfig({ KEYWARD_REDIS_URL: 'redis://:hunter2@cache:6379' })).redisUrl).toBe('redis://:***@cache:6379');
    expect(describeConfig(loadConfig({ KEYWARD_REDIS_URL: 'rediss://app:hunter2@cache:6379' })).redisUrl).toBe(
      'rediss://app:***@cache:6379',
    );
    expect(describeConfig(loadConfig({ KEYWARD_REDIS_URL: 'redis://cache:6379' })).redisUrl).toBe('redis://cache:6379');
  });
});

describe('KEYWARD_REDIS_TIMEOUT_MS and KEYWARD_RATELIMIT_FAILURE_MODE', () => {
  it('default to 50 ms and open; take an integer of milliseconds and open or closed', () => {
    expect(loadConfig({})).toMatchObject({ redisTimeoutMs: 50, ratelimitFailureMode: 'open' });
    expect(loadConfig({ KEYWARD_REDIS_TIMEOUT_MS: '200', KEYWARD_RATELIMIT_FAILURE_MODE: 'Closed' })).toMatchObject({
      redisTimeoutMs: 200,
      ratelimitFailureMode: 'closed',
    });
  });

  it('refuse anything else, naming the setting', () => {
    expect(() => loadConfig({ KEYWARD_REDIS_TIMEOUT_MS: '0' })).toThrow(/KEYWARD_REDIS_TIMEOUT_MS must be an integer/);
    expect(() => loadConfig({ KEYWARD_RATELIMIT_FAILURE_MODE: 'sometimes' })).toThrow(
      /KEYWARD_RATELIMIT_FAILURE_MODE must be open or closed, got "sometimes"/,
    );
  });
});

describe('KEYWARD_WORKSPACE_RATE_LIMIT', () => {
  it('is optional: unset or empty means no workspace API rate limit', () => {
    expect(loadConfig({}).workspaceRateLimit).toBeNull();
    expect(loadConfig({ KEYWARD_WORKSPACE_RATE_LIMIT: ' ' }).workspaceRateLimit).toBeNull();
  });

  it('is a whole number of requests per minute; 0 is allowed (every request refused)', () => {
    expect(loadConfig({ KEYWARD_WORKSPACE_RATE_LIMIT: '600' }).workspaceRateLimit).toBe(600);
    expect(loadConfig({ KEYWARD_WORKSPACE_RATE_LIMIT: '0' }).workspaceRateLimit).toBe(0);
  });

  it('refuses anything else', () => {
    for (const value of ['-1', '1.5', 'off', '1e3', '1000000001']) {
      expect(() => loadConfig({ KEYWARD_WORKSPACE_RATE_LIMIT: value })).toThrow(
        /KEYWARD_WORKSPACE_RATE_LIMIT must be an integer from 0 to 1000000000/,
      );
    }
  });
});

describe('KEYWARD_TRUST_PROXY', () => {
  it('is off unless set: X-Forwarded-For can be forged by any client', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ KEYWARD_TRUST_PROXY: ' ' }).trustProxy).toBe(false);
    expect(loadConfig({ KEYWARD_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ KEYWARD_TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('is true with true or 1, and refuses anything else', () => {
    expect(loadConfig({ KEYWARD_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ KEYWARD_TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true);
    expect(loadConfig({ KEYWARD_TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(() => loadConfig({ KEYWARD_TRUST_PROXY: 'yes' })).toThrow(
      /KEYWARD_TRUST_PROXY must be true, false or a comma-separated list of proxy addresses\/CIDR ranges: 'yes' is not an IPv4 or IPv6 address/,
    );
  });

  it('takes a comma-separated list of trusted proxies (IPv4, IPv6, CIDR ranges), trimmed', () => {
    expect(loadConfig({ KEYWARD_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8']);
    expect(loadConfig({ KEYWARD_TRUST_PROXY: ' 10.0.0.1 , 172.16.0.0/12,::1, 2001:db8::/32 ' }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      '::1',
      '2001:db8::/32',
    ]);
  });

  it('names every bad entry of the list', () => {
    const load = (value: string) => () => loadConfig({ KEYWARD_TRUST_PROXY: value });
    expect(load('10.0.0.1, proxy.internal')).toThrow(/'proxy\.internal' is not an IPv4 or IPv6 address or CIDR range/);
    expect(load('10.0.0.0/33')).toThrow(/'10\.0\.0\.0\/33' has an invalid prefix length \(0-32 for IPv4\)/);
    expect(load('::/129')).toThrow(/'::\/129' has an invalid prefix length \(0-128 for IPv6\)/);
    expect(load('10.0.0.1,,10.0.0.2')).toThrow(/KEYWARD_TRUST_PROXY .*: an empty entry/);
    expect(load('10.0.0.1, true')).toThrow(/'true' is not an IPv4 or IPv6 address/);
  });
});

describe('loadConfig', () => {
  it('has defaults for everything: SQLite under ./data on 127.0.0.1:7070', () => {
    // toMatchObject, not toEqual: a new setting adds its own test instead of editing this one.
    expect(loadConfig({})).toMatchObject({
      port: 7070,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      databaseUrl: resolve('data', 'keyward.sqlite'),
      logLevel: 'info',
      bodyLimit: 10 * 1024 * 1024,
      cacheSize: 100_000,
      cacheFreshMs: 60_000,
      cacheStaleMs: 300_000,
    });
    // Set but empty (as `KEYWARD_PORT= keyward start` gives) means unset.
    expect(loadConfig({ KEYWARD_PORT: '', KEYWARD_LOG_LEVEL: '', KEYWARD_DATA_DIR: ' ' })).toMatchObject({
      port: 7070,
      logLevel: 'info',
      dataDir: resolve('data'),
    });
  });

  it('parses each variable', () => {
    expect(
      loadConfig({
        KEYWARD_PORT: ' 8080 ',
        KEYWARD_HOST: '0.0.0.0',
        KEYWARD_DATA_DIR: 'var/kw',
        KEYWARD_LOG_LEVEL: 'debug',
        KEYWARD_BODY_LIMIT: '2048',
        KEYWARD_CACHE_SIZE: '0',
        KEYWARD_CACHE_FRESH_MS: '0',
        KEYWARD_CACHE_STALE_MS: '1500',
        KEYWARD_REQUEST_TIMEOUT_MS: '30000',
        KEYWARD_HEADERS_TIMEOUT_MS: '5000',
        KEYWARD_KEEP_ALIVE_TIMEOUT_MS: '65000',
        KEYWARD_MAX_CONNECTIONS: '500',
      }),
    ).toMatchObject({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 500,
      port: 8080,
      host: '0.0.0.0',
      dataDir: resolve('var/kw'),
      databaseUrl: resolve('var/kw/keyward.sqlite'),
      logLevel: 'debug',
      bodyLimit: 2048,
      cacheSize: 0,
      cacheFreshMs: 0,
      cacheStaleMs: 1500,
    });
    expect(loadConfig({ KEYWARD_PORT: '0' }).port).toBe(0);
    expect(loadConfig({ KEYWARD_HOST: '::1' }).host).toBe('::1');
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      expect(loadConfig({ KEYWARD_LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  it('takes a postgres URL as is and turns SQLite paths into absolute ones', () => {
    const pgUrl = 'postgres://keyward:pw@db.internal:5432/keyward?sslmode=require';
    expect(loadConfig({ KEYWARD_DATABASE_URL: pgUrl }).databaseUrl).toBe(pgUrl);
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'postgresql://db/keyward' }).databaseUrl).toBe('postgresql://db/keyward');
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'sqlite:///srv/kw.sqlite' }).databaseUrl).toBe('/srv/kw.sqlite');
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'store/kw.sqlite' }).databaseUrl).toBe(resolve('store/kw.sqlite'));
  });

  it.each([
    ['KEYWARD_PORT', 'abc'],
    ['KEYWARD_PORT', '-1'],
    ['KEYWARD_PORT', '1.5'],
    ['KEYWARD_PORT', '65536'],
    ['KEYWARD_PORT', '1e3'],
    ['KEYWARD_HOST', 'bad host'],
    ['KEYWARD_LOG_LEVEL', 'verbose'],
    ['KEYWARD_DATABASE_URL', 'mysql://u:p@db/keyward'],
    ['KEYWARD_DATABASE_URL', 'http://db/keyward'],
    ['KEYWARD_BODY_LIMIT', '10'],
    ['KEYWARD_BODY_LIMIT', String(200 * 1024 * 1024)],
    ['KEYWARD_CACHE_SIZE', '-5'],
    ['KEYWARD_CACHE_FRESH_MS', 'soon'],
    ['KEYWARD_CACHE_STALE_MS', '86400001'],
    // Finite: 0 would be Node's "never", the hole of issue 11, finding 7.
    ['KEYWARD_REQUEST_TIMEOUT_MS', '0'],
    ['KEYWARD_KEEP_ALIVE_TIMEOUT_MS', '0'],
    ['KEYWARD_HEADERS_TIMEOUT_MS', '0'],
    // Longer than the request's (60 s by default): the headers are part of the request.
    ['KEYWARD_HEADERS_TIMEOUT_MS', '60001'],
    ['KEYWARD_MAX_CONNECTIONS', '0'],
  ])('refuses %s=%s with a problem naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringContaining(name)]);
    }
  });

  it('reports every problem at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        KEYWARD_PORT: '70000',
        KEYWARD_LOG_LEVEL: 'loud',
        KEYWARD_DATABASE_URL: 'mysql://u:hunter2@db/keyward',
        KEYWARD_BODY_LIMIT: 'big',
        KEYWARD_HOST: 'no spaces please',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = ['KEYWARD_PORT', 'KEYWARD_LOG_LEVEL', 'KEYWARD_DATABASE_URL', 'KEYWARD_BODY_LIMIT', 'KEYWARD_HOST'];
    expect(error!.problems).toHaveLength(names.length);
    for (const name of names) {
      expect(
        error!.problems.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
      expect(error!.message).toContain(name);
    }
    // Only the scheme of a bad database URL is quoted back, never its password.
    expect(error!.message).not.toContain('hunter2');
  });

  it('does not echo a postgres URL it cannot parse', () => {
    expect(() => loadConfig({ KEYWARD_DATABASE_URL: 'postgres://u:hunter2@[db/keyward' })).toThrow(
      /KEYWARD_DATABASE_URL is not a valid URL/,
    );
    try {
      loadConfig({ KEYWARD_DATABASE_URL: 'postgres://u:hunter2@[db/keyward' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(7070);
  });
});

describe('describeConfig', () => {
  it('masks a password that itself contains @', () => {
    const described = describeConfig(loadConfig({ KEYWARD_DATABASE_URL: 'postgres://u:p%40ss@h:5432/db' }));
    expect(described.databaseUrl).toBe('postgres://u:***@h:5432/db');
    expect(JSON.stringify(described)).not.toContain('ss@');
  });

  it('masks the postgres password and leaves the rest readable', () => {
    const described = describeConfig(
      loadConfig({ KEYWARD_DATABASE_URL: 'postgres://keyward:s3cr3t:x@db.internal:5432/keyward', KEYWARD_PORT: '9000' }),
    );
    expect(described.databaseUrl).toBe('postgres://keyward:***@db.internal:5432/keyward');
    expect(described.port).toBe(9000);
    expect(JSON.stringify(described)).not.toContain('s3cr3t');
  });

  it('leaves a SQLite path and a password-less URL alone', () => {
    expect(describeConfig(loadConfig({ KEYWARD_DATABASE_URL: 'kw.sqlite' })).databaseUrl).toBe(resolve('kw.sqlite'));
    expect(describeConfig(loadConfig({ KEYWARD_DATABASE_URL: 'postgres://keyward@db/keyward' })).databaseUrl).toBe(
      'postgres://keyward@db/keyward',
    );
  });
});

describe('database URLs (issue 12, finding 7)', () => {
  const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };
  const settings = ['KEYWARD_DATABASE_URL', 'KEYWARD_VAULT_DATABASE_URL'] as const;
  // The vault store is read only with a vault; a separate main database keeps the two apart.
  const withSetting = (name: (typeof settings)[number], value: string): NodeJS.ProcessEnv =>
    name === 'KEYWARD_DATABASE_URL'
      ? { [name]: value }
      : { [name]: value, KEYWARD_MASTER_KEYS: `1:${Buffer.alloc(32, 7).toString('base64')}`, KEYWARD_DATABASE_URL: '/d/k.sqlite' };

  const cases = (values: string[]) => settings.flatMap((name) => values.map((value) => [name, value] as const));

  it.each(cases(['postgres:/broken', 'postgres:broken', 'postgresql:/db', 'postgres//u:hunter2@db/kw', 'sqlite:/srv/kw.sqlite']))(
    'refuses %s=%s, a mangled URL, rather than making a file of it',
    (name, value) => {
      const problems = problemsOf(withSetting(name, value));
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} looks like a mistyped "(postgres|postgresql|sqlite)://" URL`))]);
      expect(problems.join()).not.toContain('hunter2');
    },
  );

  it.each(cases(['postgres://u:hunter2@db', 'postgres://u:hunter2@db:5432/', 'postgresql://db/?sslmode=require', 'postgres://db/']))(
    'refuses %s=%s, a PostgreSQL URL without a database name',
    (name, value) => {
      const problems = problemsOf(withSetting(name, value));
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} names no database`))]);
      expect(problems.join()).not.toContain('hunter2');
    },
  );

  it.each(cases(['postgres:///kw', 'ftp://u:hunter2@db/kw', 'postgres://u:hunter2@[db/kw', 'sqlite://']))(
    'refuses %s=%s, a URL that is not well formed, naming the setting and never the password',
    (name, value) => {
      const problems = problemsOf(withSetting(name, value));
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} `))]);
      expect(problems.join()).not.toContain('hunter2');
    },
  );

  it('accepts well-formed URLs, a socket directory as host, and plain paths (a drive-like or colon-bearing name included)', () => {
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'postgres:///kw?host=/var/run/postgresql' }).databaseUrl).toBe(
      'postgres:///kw?host=/var/run/postgresql',
    );
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'postgresql://u:p@db:5433/keyward' }).databaseUrl).toBe('postgresql://u:p@db:5433/keyward');
    expect(loadConfig({ KEYWARD_DATABASE_URL: './postgres:/kw.sqlite' }).databaseUrl).toBe(resolve('postgres:/kw.sqlite'));
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'postgres/kw.sqlite' }).databaseUrl).toBe(resolve('postgres/kw.sqlite'));
    expect(withVault('postgres://v:p@db/vault').vaultDatabaseUrl).toBe('postgres://v:p@db/vault');
  });

  it('refuses a mangled KEYWARD_REDIS_URL without echoing it', () => {
    for (const value of ['redis:/cache:6379', 'redis:cache', 'rediss//:hunter2@cache', 'redis://:hunter2@cache:99999']) {
      expect(problemsOf({ KEYWARD_REDIS_URL: value })).toEqual(['KEYWARD_REDIS_URL must be a redis:// or rediss:// URL with a host']);
    }
  });

  function withVault(url: string) {
    return loadConfig(withSetting('KEYWARD_VAULT_DATABASE_URL', url));
  }
});

describe('KEYWARD_ANALYTICS_* (store)', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('keeps analytics beside the SQLite database by default, and nowhere of its own on PostgreSQL', () => {
    const config = loadConfig({ KEYWARD_DATABASE_URL: '/srv/kw/keyward.sqlite' });
    expect(config.analyticsDatabaseUrl).toBe('/srv/kw/keyward.sqlite.analytics');
    expect(config.analyticsRetentionDays).toEqual({ raw: 30, minute: 30, hour: 90, day: 730, month: 0 });
    expect(loadConfig({ KEYWARD_DATABASE_URL: 'postgres://u@h/db', KEYWARD_ANALYTICS_DATABASE_URL: '/x' }).analyticsDatabaseUrl).toBeNull();
    expect(loadConfig({ KEYWARD_ANALYTICS_DATABASE_URL: 'rel/a.db', KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS: '7' })).toMatchObject({
      analyticsDatabaseUrl: resolve('rel/a.db'),
      analyticsRetentionDays: { hour: 7 },
    });
  });

  it('refuses a PostgreSQL URL, the main file itself, and retention that is not a day count', () => {
    expect(problemsOf({ KEYWARD_DATABASE_URL: '/srv/a.sqlite', KEYWARD_ANALYTICS_DATABASE_URL: 'postgres://u@h/db' })).toEqual([
      'KEYWARD_ANALYTICS_DATABASE_URL must be a SQLite file path: on PostgreSQL, analytics live in the main database',
    ]);
    expect(problemsOf({ KEYWARD_DATABASE_URL: '/srv/a.sqlite', KEYWARD_ANALYTICS_DATABASE_URL: '/srv/a.sqlite' })).toEqual([
      'KEYWARD_ANALYTICS_DATABASE_URL must name a file apart from KEYWARD_DATABASE_URL',
    ]);
    expect(problemsOf({ KEYWARD_ANALYTICS_RETENTION_DAYS: '-1', KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS: '1.5' })).toEqual([
      'KEYWARD_ANALYTICS_RETENTION_DAYS must be an integer from 0 to 36500, got "-1"',
      'KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS must be an integer from 0 to 36500, got "1.5"',
    ]);
  });
});

describe('analytics capture settings', () => {
  it('default to on, 100000 buffered events, batches of 20000 every 1000 ms, and the host name', () => {
    expect(loadConfig({})).toMatchObject({
      analytics: true,
      analyticsBufferEvents: 100_000,
      analyticsFlushEvents: 20_000,
      analyticsFlushMs: 1_000,
      nodeName: hostname(),
    });
  });

  it('take on or off in any case, whole numbers, and a node name', () => {
    expect(
      loadConfig({
        KEYWARD_ANALYTICS: 'OFF',
        KEYWARD_ANALYTICS_BUFFER_EVENTS: '2000',
        KEYWARD_ANALYTICS_FLUSH_EVENTS: '2000',
        KEYWARD_ANALYTICS_FLUSH_MS: '250',
        KEYWARD_NODE_NAME: 'eu-west-1a',
      }),
    ).toMatchObject({
      analytics: false,
      analyticsBufferEvents: 2_000,
      analyticsFlushEvents: 2_000,
      analyticsFlushMs: 250,
      nodeName: 'eu-west-1a',
    });
    expect(loadConfig({ KEYWARD_ANALYTICS: ' on ' }).analytics).toBe(true);
  });

  it('refuse anything else, naming the setting, all problems together', () => {
    let error: unknown;
    try {
      loadConfig({
        KEYWARD_ANALYTICS: 'sometimes',
        KEYWARD_ANALYTICS_BUFFER_EVENTS: '0',
        KEYWARD_ANALYTICS_FLUSH_EVENTS: '1.5',
        KEYWARD_ANALYTICS_FLUSH_MS: '5',
        KEYWARD_NODE_NAME: 'two words',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'KEYWARD_ANALYTICS must be on or off, got "sometimes"',
      'KEYWARD_ANALYTICS_BUFFER_EVENTS must be an integer from 1 to 10000000, got "0"',
      'KEYWARD_ANALYTICS_FLUSH_EVENTS must be an integer from 1 to 1000000, got "1.5"',
      'KEYWARD_NODE_NAME must be 1 to 128 printable characters without spaces',
      'KEYWARD_ANALYTICS_FLUSH_MS must be an integer from 10 to 600000, got "5"',
    ]);
    expect(() => loadConfig({ KEYWARD_ANALYTICS_BUFFER_EVENTS: '100', KEYWARD_ANALYTICS_FLUSH_EVENTS: '101' })).toThrow(
      /KEYWARD_ANALYTICS_FLUSH_EVENTS must not be larger than KEYWARD_ANALYTICS_BUFFER_EVENTS/,
    );
    expect(() => loadConfig({ KEYWARD_NODE_NAME: 'x'.repeat(129) })).toThrow(/KEYWARD_NODE_NAME must be 1 to 128/);
  });
});

describe('KEYWARD_DASHBOARD_DIR', () => {
  it('defaults to dist/web in the installation, wherever the process runs from', () => {
    const root = resolve(import.meta.dirname, '..');
    expect(loadConfig({}).dashboardDir).toBe(resolve(root, 'dist', 'web'));
  });

  it('takes a directory, resolved against the working directory', () => {
    expect(loadConfig({ KEYWARD_DASHBOARD_DIR: '/srv/keyward/web' }).dashboardDir).toBe('/srv/keyward/web');
    expect(loadConfig({ KEYWARD_DASHBOARD_DIR: 'built' }).dashboardDir).toBe(resolve('built'));
  });
});

describe('KEYWARD_NODE_HEARTBEAT_SECONDS', () => {
  it('defaults to 10 s, takes 1 to 3600 seconds, refuses anything else', () => {
    expect(loadConfig({}).nodeHeartbeatMs).toBe(10_000);
    expect(loadConfig({ KEYWARD_NODE_HEARTBEAT_SECONDS: '1' }).nodeHeartbeatMs).toBe(1_000);
    expect(loadConfig({ KEYWARD_NODE_HEARTBEAT_SECONDS: '3600' }).nodeHeartbeatMs).toBe(3_600_000);
    for (const bad of ['0', '3601', '2.5', 'often']) {
      expect(() => loadConfig({ KEYWARD_NODE_HEARTBEAT_SECONDS: bad }), bad).toThrow(/KEYWARD_NODE_HEARTBEAT_SECONDS/);
    }
  });
});
