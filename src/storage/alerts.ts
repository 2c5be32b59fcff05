/** Alerts: webhook events no audit record describes, each claimed once in the store (docs/decisions/0027). */

/** A spend that took a key's credits past one or more thresholds of use. */
export interface CreditsAlertClaim {
  workspaceId: string;
  keyId: string;
  apiId: string;
  /** How many of the configured thresholds the key's use has now reached (1 = the lowest); its bit is what is claimed. */
  level: number;
  /** The highest threshold reached, in percent of `base` used. */
  thresholdPercent: number;
  /** The balance right after the spend that crossed. */
  remaining: number;
  /** What use was measured against: the refill amount, else the credits the key was given. */
  base: number;
  now: number;
}

/** What a rate-limit alert is about: a namespace of ratelimit.limit, or a key's own limits in verification. */
export interface RatelimitAlertSubject {
  type: 'namespace' | 'key';
  id: string;
  /** The namespace's name, or the key's limit's name is the identifier; for readers of the event. */
  name?: string;
}

/** A node saw `refusals` refusals of one limit within `windowMs`. */
export interface RatelimitAlertClaim {
  workspaceId: string;
  subject: RatelimitAlertSubject;
  identifier: string;
  refusals: number;
  windowMs: number;
  cooldownMs: number;
  now: number;
}

export interface AlertOps {
  /**
   * Marks threshold `claim.level` as fired on the key only if it is not yet, and, when it did, queues `key.credits_low`
   * for the workspace's endpoints in the same transaction. True when this call claimed the crossing; false when
   * another (on any node) already did, or the key is gone.
   */
  claimCreditsAlert(claim: CreditsAlertClaim): Promise<boolean>;
  /**
   * Queues `key.expiring` for up to `limit` live keys expiring after `now` and by `now + withinMs` that have not fired
   * for their current expiry, in workspaces with an enabled endpoint, and marks them fired for it, in one transaction.
   * On PostgreSQL one node at a time does it (an advisory lock); another finding it held does nothing. Returns how many.
   */
  alertExpiringKeys(now: number, withinMs: number, limit: number): Promise<number>;
  /**
   * Records `ratelimit.exceeded` as fired at `claim.now` for (workspace, subject, identifier) unless it fired within the
   * cool-down, and, when it did, queues the event in the same transaction. True when this call fired it.
   */
  claimRatelimitAlert(claim: RatelimitAlertClaim): Promise<boolean>;
}
