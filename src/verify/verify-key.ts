import type { ServiceDeps } from '../services/index.js';

/** The verify hot path. */
export class VerifyService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Writes buffered lastUsedAt times. */
  async flushUsage(): Promise<void> {}
}
