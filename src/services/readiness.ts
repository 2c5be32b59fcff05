import type { Redis } from 'ioredis';
import { createRedisClient } from '../redis/client.js';
import type { Store } from '../storage/store.js';

/**
 * What `GET /v2/readiness` reports (issue 12, finding 10; docs/operations.md, "Readiness"): whether this node should
 * get traffic. Liveness says the process runs; readiness says its dependencies answer and it is not stopping, so a
 * load balancer that polls it sends nothing to a node that cannot serve, and drains a node that is stopping.
 */

/** `unused`: no Redis is configured; `unchecked`: the node is stopping, so nothing was asked. */
export type DependencyState = 'ok' | 'unavailable' | 'timeout' | 'unused' | 'unchecked';

export interface ReadinessReport {
  ready: boolean;
  shuttingDown: boolean;
  database: DependencyState;
  redis: DependencyState;
}

/** How long each dependency may take to answer: under a probe's usual 1 s wait (Kubernetes' `timeoutSeconds`). */
export const READINESS_TIMEOUT_MS = 500;

export interface ReadinessDeps {
  store: Pick<Store, 'ping'>;
  redisUrl: string | null;
  /** Set once the node begins to stop (src/http/draining.ts). */
  draining: { readonly stopping: boolean };
}

export class Readiness {
  /** A connection of its own, so a probe never waits behind the limiter's or the bus's commands. */
  private readonly redis: Redis | null;
  /** The check of each dependency still running: probes arriving meanwhile wait on it rather than start another. */
  private readonly running: { database?: Promise<unknown>; redis?: Promise<unknown> } = {};

  constructor(private readonly deps: ReadinessDeps) {
    // Keyward's client settings (redis/client.ts): a command fails at once while disconnected, so a probe never queues.
    this.redis = deps.redisUrl === null ? null : createRedisClient(deps.redisUrl, 'readiness probe');
  }

  async check(): Promise<ReadinessReport> {
    if (this.deps.draining.stopping) return { ready: false, shuttingDown: true, database: 'unchecked', redis: 'unchecked' };
    const redis = this.redis;
    const [database, redisState] = await Promise.all([
      this.probe('database', () => this.deps.store.ping()),
      redis ? this.probe('redis', () => redis.ping()) : ('unused' as const),
    ]);
    const ready = database === 'ok' && (redisState === 'ok' || redisState === 'unused') && !this.deps.draining.stopping;
    return { ready, shuttingDown: this.deps.draining.stopping, database, redis: redisState };
  }

  close(): void {
    this.redis?.disconnect();
  }

  private async probe(name: 'database' | 'redis', ask: () => Promise<unknown>): Promise<DependencyState> {
    let answer = this.running[name];
    if (!answer) {
      answer = ask().finally(() => {
        this.running[name] = undefined;
      });
      this.running[name] = answer;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DependencyState>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), READINESS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([answer.then(() => 'ok' as const), timeout]);
    } catch {
      return 'unavailable';
    } finally {
      clearTimeout(timer);
    }
  }
}
