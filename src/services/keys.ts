import type { ServiceDeps } from './index.js';

/** Key lifecycle: create, read, update, credits, delete, reroll, list. */
export class KeyService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Sets remaining credits to the refill amount on every key due now. */
  async refillCredits(): Promise<number> {
    return this.deps.store.refillCredits(this.deps.clock.now());
  }
}
