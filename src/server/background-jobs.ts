import { ANALYTICS_FIRST_PRUNE_MS, ANALYTICS_PRUNE_INTERVAL_MS } from '../analytics/prune-job.js';
import { databaseUnavailableCause } from '../core/database-unavailable.js';
import type { ThrottledWarning } from '../core/throttled-warning.js';
import type { Logger as Pino } from 'pino';

/** How often the jobs run: credit refills, usage write-back, the pruning of the change log, rate-limit alerts and retired root keys. */
const JOBS_INTERVAL_MS = 30_000;
/** How often the webhook outbox is read for due deliveries: an event waits about this long before its first attempt. */
const WEBHOOK_POLL_MS = 1_000;

/**
 * How a background task's failure is told: a database that does not answer is one throttled warning for every caller
 * (core/throttled-warning.ts); anything else is an error line naming the task.
 */
export function reportFailure(log: Pino, databaseFailures: ThrottledWarning, what: string) {
  return (error: unknown): void => {
    if (databaseUnavailableCause(error) === undefined) log.error({ err: error }, `${what} failed`);
    else databaseFailures.report(error);
  };
}

/**
 * The node's timers: the jobs, the analytics pruning, the change-log reads, the registry heartbeat and the webhook outbox. None keeps the
 * process alive (unref). Returns what stops them all.
 */
export function startBackgroundJobs(jobs: {
  runJobs: () => Promise<void>;
  pruneAnalytics: () => Promise<unknown>;
  catchUp: () => void;
  heartbeat: () => Promise<unknown>;
  deliverWebhooks: () => Promise<unknown>;
  invalidationPollMs: number;
  nodeHeartbeatMs: number;
  log: Pino;
  databaseFailures: ThrottledWarning;
}): () => void {
  const { log, databaseFailures } = jobs;
  const prune = () => void jobs.pruneAnalytics().catch(reportFailure(log, databaseFailures, 'analytics pruning'));
  const timeouts = [setTimeout(prune, ANALYTICS_FIRST_PRUNE_MS)];
  const intervals = [
    setInterval(prune, ANALYTICS_PRUNE_INTERVAL_MS),
    setInterval(() => void jobs.runJobs().catch(reportFailure(log, databaseFailures, 'background job')), JOBS_INTERVAL_MS),
    setInterval(jobs.catchUp, jobs.invalidationPollMs),
    setInterval(() => void jobs.heartbeat(), jobs.nodeHeartbeatMs),
    setInterval(() => void jobs.deliverWebhooks().catch(reportFailure(log, databaseFailures, 'webhook delivery')), WEBHOOK_POLL_MS),
  ];
  for (const timer of [...timeouts, ...intervals]) timer.unref();
  return () => {
    for (const timer of timeouts) clearTimeout(timer);
    for (const timer of intervals) clearInterval(timer);
  };
}
