import { Redis } from 'ioredis';
import { systemClock } from '../core/clock.js';
import { ThrottledWarning, type WarnSink } from '../core/throttled-warning.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './timeout.js';

/**
 * Every Redis client Keyward makes (the rate limiter's, the invalidation bus's) comes from here, so that a Redis that
 * is down, frozen or unreachable at start costs a request at most KEYWARD_REDIS_TIMEOUT_MS instead of ioredis's
 * defaults (commands queued while disconnected, no command timeout, a reconnect backoff growing to seconds: 10-20 s
 * per call in issue 12, finding 3). docs/operations.md, "Redis is down, stalls, or is unreachable at start".
 */

/** Reconnect attempts 50 ms apart, growing to at most this: Redis back is used within half a second. */
const MAX_RECONNECT_DELAY_MS = 500;
/** A connection attempt to an address that does not answer (a dropped route) is given up after this, then retried. */
const CONNECT_TIMEOUT_MS = 1_000;
/**
 * A frozen Redis keeps its connections open and answers nothing, so each command would wait its full timeout and stay
 * queued for a reply that may never come. Each connected client pings this often; two pings in a row unanswered
 * within this interval (long, so a busy node is not taken for a dead Redis) drop the connection, which fails what it
 * held and makes every later command fail at once (no offline queue) until Redis answers again.
 */
const WATCHDOG_INTERVAL_MS = 1_000;
const MISSED_PINGS_BEFORE_RECONNECT = 2;

export interface ClientSettings {
  timeoutMs: number;
  logger: WarnSink & { info(fields: Record<string, unknown>, message: string): void };
  clock: { now(): number };
}

const consoleLogger: ClientSettings['logger'] = {
  warn: (fields, message) => console.warn(message, fields),
  info: (fields, message) => console.info(message, fields),
};

/** The process's Redis clients: their shared settings, and whether all of them are connected (`keyward_redis_up`). */
class RedisClients {
  private settings: ClientSettings = { timeoutMs: DEFAULT_REDIS_TIMEOUT_MS, logger: consoleLogger, clock: systemClock };
  private readonly live = new Set<Redis>();
  private failures = this.warning();

  /** server.ts calls this before making any client; until then (unit tests) clients log to the console. */
  configure(settings: ClientSettings): void {
    this.settings = settings;
    this.failures = this.warning();
  }

  private warning(): ThrottledWarning {
    return new ThrottledWarning(
      this.settings.logger,
      this.settings.clock,
      { setting: 'KEYWARD_REDIS_URL' },
      'Redis at KEYWARD_REDIS_URL failed; Keyward serves without it (rate limits per KEYWARD_RATELIMIT_FAILURE_MODE) and reconnects by itself',
    );
  }

  /** 1 when every client is connected and answering, 0 when one is not; null when there is no Redis client. */
  get up(): boolean | null {
    if (this.live.size === 0) return null;
    for (const client of this.live) if (client.status !== 'ready') return false;
    return true;
  }

  /**
   * `subscriber`: the bus's subscription client, which only ever sends SUBSCRIBE. It keeps that command queued until
   * Redis is reachable (its offline queue holds at most that one command), so a node started while Redis was down
   * subscribes once it is up; nothing waits on it but the bounded start-up wait in server.ts.
   */
  create(url: string, role: string, { subscriber = false } = {}): Redis {
    const { timeoutMs } = this.settings;
    const client = new Redis(url, {
      retryStrategy: (attempt) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS),
      connectTimeout: CONNECT_TIMEOUT_MS,
      ...(subscriber ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 0, enableAutoPipelining: true }),
    });
    if (!subscriber) {
      failWhenSilent(client, timeoutMs);
      // Commands made before the first connection wait for it (a limiter used as soon as it is made), each for at
      // most the timeout, and every failed attempt drops what waits (maxRetriesPerRequest 0). Once connected, a command
      // made while disconnected fails at once instead of queueing behind an outage.
      client.once('ready', () => {
        client.options.enableOfflineQueue = false;
      });
    }
    this.live.add(client);
    // Without a listener ioredis prints "[ioredis] Unhandled error event" for every failed reconnect.
    client.on('error', (error: Error) => this.failures.report(Object.assign(error, { role })));
    client.on('ready', () => {
      if (this.up && this.failures.failing) {
        this.failures.recovered();
        this.settings.logger.info({ setting: 'KEYWARD_REDIS_URL' }, 'Redis at KEYWARD_REDIS_URL answers again');
      }
    });
    this.watch(client, role);
    // quit waits for Redis to answer: when it is not connected there is no one to say goodbye to, and a frozen Redis
    // would hold the shutdown forever. Either way the connection is closed and stays closed.
    const quit = client.quit.bind(client);
    client.quit = (async () => {
      if (client.status === 'ready') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, WATCHDOG_INTERVAL_MS)))]);
        clearTimeout(timer);
      }
      client.disconnect();
      return 'OK';
    }) as typeof client.quit;
    client.on('end', () => this.live.delete(client));
    return client;
  }

  private watch(client: Redis, role: string): void {
    let missed = 0;
    const timer = setInterval(() => {
      if (client.status !== 'ready') return;
      let timeout: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error(`Redis did not answer PING within ${WATCHDOG_INTERVAL_MS} ms`)), WATCHDOG_INTERVAL_MS);
      });
      Promise.race([client.ping(), deadline])
        .then(() => {
          missed = 0;
        })
        .catch((error: Error) => {
          if (client.status !== 'ready' || ++missed < MISSED_PINGS_BEFORE_RECONNECT) return;
          missed = 0;
          this.failures.report(Object.assign(error, { role }));
          client.disconnect(true);
        })
        .finally(() => clearTimeout(timeout));
    }, WATCHDOG_INTERVAL_MS);
    timer.unref();
    client.on('end', () => clearInterval(timer));
  }
}

/** The part of ioredis's Command this needs (its own commandTimeout settles commands the same way). */
interface PendingCommand {
  isSettled?: boolean;
  reject(error: Error): void;
}

/**
 * Fails a command when Redis has sent nothing at all for `timeoutMs` since it was sent, rather than when the command
 * itself took `timeoutMs` (ioredis's commandTimeout): a burst of a thousand limiter calls on a busy node waits its turn
 * behind the others' replies for longer than that while Redis is perfectly well, and failing those would admit calls
 * over their limits. A Redis that is down, frozen or cut off sends nothing, so its commands fail after `timeoutMs`.
 */
function failWhenSilent(client: Redis, timeoutMs: number): void {
  let lastHeardAt = 0;
  client.on('connect', () => {
    client.stream.on('data', () => {
      lastHeardAt = performance.now();
    });
  });
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: PendingCommand, ...rest: unknown[]) => {
    const result = (send as (...args: unknown[]) => unknown)(command, ...rest);
    const sentAt = performance.now();
    const decide = () => {
      if (command.isSettled) return;
      const silentFor = performance.now() - Math.max(sentAt, lastHeardAt);
      if (silentFor >= timeoutMs) command.reject(new Error(`Redis sent nothing for ${timeoutMs} ms (KEYWARD_REDIS_TIMEOUT_MS)`));
      else setTimeout(check, timeoutMs - silentFor).unref();
    };
    // Timers run before the event loop reads sockets: after a busy stretch, a reply may be waiting unread. Deciding
    // in setImmediate, after the sockets are read, counts only Redis's silence, not this process's own pause.
    const check = () => setImmediate(decide);
    setTimeout(check, timeoutMs).unref();
    return result;
  }) as typeof client.sendCommand;
}

export const redisClients = new RedisClients();

/** A Redis client for `role` (for the log lines: "rate limiter", "bus publisher", ...) with Keyward's settings. */
export function createRedisClient(url: string, role: string, options: { subscriber?: boolean } = {}): Redis {
  return redisClients.create(url, role, options);
}
