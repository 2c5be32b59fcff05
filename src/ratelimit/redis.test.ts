import { limiterConformance } from './limiter.suite.js';
import { RedisLimiter } from './redis.js';

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

limiterConformance('redis', async () => new RedisLimiter(REDIS_URL, `kw:test:${process.pid}:${Date.now()}:`));
