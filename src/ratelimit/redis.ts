import type { Redis } from 'ioredis';
import { fixedWindow, type Decision } from '../core/rate-window.js';
import { createRedisClient } from '../redis/client.js';
import type { LimitCheck, Limiter } from './limiter.js';

/**
 * The shared limiter: one Lua script decides and commits a whole batch atomically inside Redis, so
 * any number of Keyward nodes together admit no more than the limit. The arithmetic mirrors
 * core/rate-window.ts exactly (same doubles, same floor), and a shared test suite holds both to it.
 *
 * KEYS: for each check, its current-window counter then its previous-window counter.
 * ARGV: now, then for each check: limit, cost, window start, duration.
 * Returns, for each check: success (1/0), remaining. When any check fails nothing is committed, and the checks that
 * passed report their remaining without any cost of the batch (core/rate-window.ts, `uncharged`).
 */
const SCRIPT = `
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local pending = {}
local results = {}
local uncharged = {}
local allPassed = true
for i = 1, n do
  local cur_key = KEYS[2 * i - 1]
  local prev_key = KEYS[2 * i]
  local limit = tonumber(ARGV[4 * i - 2])
  local cost = tonumber(ARGV[4 * i - 1])
  local start = tonumber(ARGV[4 * i])
  local duration = tonumber(ARGV[4 * i + 1])
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
    local cost = tonumber(ARGV[4 * i - 1])
    if cost > 0 then
      local cur_key = KEYS[2 * i - 1]
      redis.call('INCRBY', cur_key, cost)
      redis.call('PEXPIRE', cur_key, 2 * tonumber(ARGV[4 * i + 1]) + 1000)
    end
  end
end
return results
`;

type ScriptRunner = (numberOfKeys: number, ...args: (string | number)[]) => Promise<number[]>;

export class RedisLimiter implements Limiter {
  private readonly redis: Redis;
  private readonly run: ScriptRunner;

  constructor(
    url: string,
    private readonly prefix = 'kw:rl:',
  ) {
    this.redis = createRedisClient(url, 'rate limiter');
    this.redis.defineCommand('keywardLimit', { lua: SCRIPT });
    this.run = (this.redis as unknown as { keywardLimit: ScriptRunner }).keywardLimit.bind(this.redis);
  }

  async check(checks: readonly LimitCheck[], now: number): Promise<Decision[]> {
    if (checks.length === 0) return [];
    const keys: string[] = [];
    const args: number[] = [now];
    const windows = checks.map((c) => {
      const window = fixedWindow(now, c.duration);
      const base = `${this.prefix}${c.duration}:${c.key}:`;
      keys.push(`${base}${window.sequence}`, `${base}${window.sequence - 1}`);
      args.push(c.limit, c.cost, window.start, c.duration);
      return window;
    });
    const flat = await this.run(keys.length, ...keys, ...args);
    return windows.map((window, i) => ({ success: flat[2 * i] === 1, remaining: Number(flat[2 * i + 1]), reset: window.reset }));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
