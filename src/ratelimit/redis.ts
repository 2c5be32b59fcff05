import type { Redis } from 'ioredis';
import { fixedWindow, type Decision } from '../core/rate-window.js';
import { createRedisClient } from '../redis/client.js';
import type { LimitCheck, Limiter } from './limiter.js';

/**
 * The shared limiter: one Lua script decides and commits each request's checks atomically inside Redis, so any number
 * of Keyward nodes together admit no more than the limit. The arithmetic mirrors core/rate-window.ts exactly (same
 * doubles, same floor), and a shared test suite holds both to it.
 *
 * The checks of every request that asks in one turn of the event loop go in one call of the script, as groups it
 * decides one after another, each as if alone: a group sees what the groups before it committed. The verify lane
 * answers a turn's requests together (http/verify-lane.ts), so under load a call carries dozens of requests' checks,
 * and each request no longer pays for a command of its own in the client (bench/RESULTS.md, "Session 18").
 *
 * ARGV: the number of groups, then per group: now, its number of checks, then per check: limit, cost, window start,
 * duration. KEYS: per group, per check, its current-window counter then its previous-window counter.
 * Returns, per group, per check: success (1/0), remaining. When any check of a group fails nothing of that group is
 * committed, and its checks that passed report their remaining without any cost of the group (core/rate-window.ts,
 * `uncharged`).
 */
const SCRIPT = `
local groups = tonumber(ARGV[1])
local a = 2
local k = 0
local out = {}
for g = 1, groups do
  local now = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  local pending = {}
  local results = {}
  local uncharged = {}
  local allPassed = true
  for i = 1, n do
    local cur_key = KEYS[k + 2 * i - 1]
    local prev_key = KEYS[k + 2 * i]
    local limit = tonumber(ARGV[a + 4 * i - 4])
    local cost = tonumber(ARGV[a + 4 * i - 3])
    local start = tonumber(ARGV[a + 4 * i - 2])
    local duration = tonumber(ARGV[a + 4 * i - 1])
    local stored = tonumber(redis.call('GET', cur_key) or '0')
    local current = pending[cur_key] or stored
    local previous = tonumber(redis.call('GET', prev_key) or '0')
    pending[cur_key] = current + cost
    local weighted = math.floor(previous * (1 - (now - start) / duration))
    local ok = 0
    local remaining = 0
    if limit > 0 then
      local effective = current + weighted + cost
      if effective <= limit then
        ok = 1
        remaining = limit - effective
      end
    end
    if ok == 0 then allPassed = false end
    results[2 * i - 1] = ok
    results[2 * i] = remaining
    uncharged[i] = math.max(0, limit - (stored + weighted))
  end
  if not allPassed then
    for i = 1, n do
      if results[2 * i - 1] == 1 then results[2 * i] = uncharged[i] end
    end
  end
  if allPassed then
    for i = 1, n do
      local cost = tonumber(ARGV[a + 4 * i - 3])
      if cost > 0 then
        local cur_key = KEYS[k + 2 * i - 1]
        redis.call('INCRBY', cur_key, cost)
        redis.call('PEXPIRE', cur_key, 2 * tonumber(ARGV[a + 4 * i - 1]) + 1000)
      end
    end
  end
  for i = 1, 2 * n do out[#out + 1] = results[i] end
  k = k + 2 * n
  a = a + 4 * n
end
return out
`;

/** Requests per call of the script: bounds one call's arguments, and how long Redis runs it without serving others. */
const MAX_GROUPS_PER_CALL = 128;

interface Waiting {
  checks: readonly LimitCheck[];
  now: number;
  resolve(decisions: Decision[]): void;
  reject(error: unknown): void;
}

type ScriptRunner = (numberOfKeys: number, ...args: (string | number)[]) => Promise<number[]>;

export class RedisLimiter implements Limiter {
  private readonly redis: Redis;
  private readonly run: ScriptRunner;
  /** Requests whose checks go in the next call of the script, in the order they asked. */
  private waiting: Waiting[] = [];

  constructor(
    url: string,
    private readonly prefix = 'kw:rl:',
  ) {
    this.redis = createRedisClient(url, 'rate limiter');
    this.redis.defineCommand('keywardLimit', { lua: SCRIPT });
    this.run = (this.redis as unknown as { keywardLimit: ScriptRunner }).keywardLimit.bind(this.redis);
  }

  check(checks: readonly LimitCheck[], now: number): Promise<Decision[]> {
    if (checks.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ checks, now, resolve, reject });
      // Sent once the promise chains running now have settled: a nextTick queued from a microtask runs after the
      // microtask queue has drained, so every request answered in this turn has asked by then.
      if (this.waiting.length === 1) queueMicrotask(() => process.nextTick(() => this.sendWaiting()));
    });
  }

  private sendWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (let i = 0; i < waiting.length; i += MAX_GROUPS_PER_CALL) this.send(waiting.slice(i, i + MAX_GROUPS_PER_CALL));
  }

  private send(groups: Waiting[]): void {
    const keys: string[] = [];
    const args: number[] = [groups.length];
    const windows = groups.map(({ checks, now }) => {
      args.push(now, checks.length);
      return checks.map((c) => {
        const window = fixedWindow(now, c.duration);
        const base = `${this.prefix}${c.duration}:${c.key}:`;
        keys.push(`${base}${window.sequence}`, `${base}${window.sequence - 1}`);
        args.push(c.limit, c.cost, window.start, c.duration);
        return window;
      });
    });
    this.run(keys.length, ...keys, ...args).then(
      (flat) => {
        let at = 0;
        groups.forEach((group, g) => {
          group.resolve(
            windows[g]!.map((window) => {
              const decision = { success: flat[at] === 1, remaining: Number(flat[at + 1]), reset: window.reset };
              at += 2;
              return decision;
            }),
          );
        });
      },
      (error: unknown) => {
        for (const group of groups) group.reject(error);
      },
    );
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
