import { busConformance } from './bus.suite.js';
import { RedisBus } from './redis-bus.js';

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

busConformance('redis', async () => {
  const a = new RedisBus(REDIS_URL);
  const b = new RedisBus(REDIS_URL);
  await Promise.all([a.connected(), b.connected()]);
  return [a, b];
});
