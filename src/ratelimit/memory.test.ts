import { limiterConformance } from './limiter.suite.js';
import { MemoryLimiter } from './memory.js';

limiterConformance('memory', async () => new MemoryLimiter());
