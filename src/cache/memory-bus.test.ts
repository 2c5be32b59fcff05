import { MemoryBus } from './bus.js';
import { busConformance } from './bus.suite.js';

busConformance('memory', async () => {
  const bus = new MemoryBus();
  return [bus, bus];
});
