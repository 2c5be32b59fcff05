import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import type { Config } from '../config.js';
import { MemoryLimiter } from '../ratelimit/memory.js';
import { type FromPrimary, type FromWorker, isKeywardMessage } from './messages.js';

/**
 * How long a change's answer waits for the sibling workers to drop what it changed. A worker that does not answer
 * within it (frozen, or stopping) learns the change from the database's change log within KEYWARD_INVALIDATION_POLL_MS
 * (docs/decisions/0013-invalidation-change-log.md); the others are not held by it.
 */
const SIBLINGS_WAIT_MS = 1_000;

/** A worker that stopped on its own after it had served is started again this long after, not in a tight loop. */
const RESTART_DELAY_MS = 1_000;

/**
 * `keyward start --workers N` (docs/decisions/0022-workers-on-one-machine.md): this process serves nothing itself. It
 * starts N workers sharing one port (node:cluster hands them connections in turn), worker 1 first, which migrates,
 * creates the first workspace and prints what a first start prints; relays each worker's invalidations to the others
 * and answers the worker's `publish` once they applied them; owns the rate-limit counters when there is no Redis; and
 * on SIGINT or SIGTERM stops every worker and exits 0 only when all stopped cleanly. Resolves with that exit code.
 */
export function runPrimary(config: Readonly<Config>, workers: number): Promise<number> {
  const log = pino({ level: config.logLevel });
  const limiter =
    config.redisUrl === null
      ? new MemoryLimiter({ maxCounters: config.ratelimitMaxCounters, maxPerWorkspace: config.ratelimitMaxCountersPerWorkspace })
      : null;
  const byIndex = new Map<number, Worker>();
  const indexOf = new Map<Worker, number>();
  const served = new Set<number>();
  /** Each relayed invalidation: who published it, under which request id, and the workers still to apply it. */
  const relays = new Map<number, { origin: Worker; requestId: number; waiting: Set<Worker>; timer: NodeJS.Timeout }>();
  let nextRelay = 1;
  let stopping = false;
  let failed = false;
  let announced = false;
  let forkedAll = false;

  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finished = resolve;
  });

  const send = (worker: Worker, message: FromPrimary) => {
    if (worker.isConnected()) worker.send(message, () => undefined);
  };

  const settleRelay = (relayId: number) => {
    const relay = relays.get(relayId);
    if (relay === undefined || relay.waiting.size > 0) return;
    clearTimeout(relay.timer);
    relays.delete(relayId);
    send(relay.origin, { kw: 'answer', id: relay.requestId, published: true });
  };

  const onMessage = (worker: Worker, message: FromWorker) => {
    switch (message.kw) {
      case 'hello':
        send(worker, { kw: 'answer', id: message.id, index: indexOf.get(worker) ?? 0, restarted: served.has(indexOf.get(worker) ?? 0) });
        break;
      case 'limit':
        if (limiter === null) {
          send(worker, { kw: 'failed', id: message.id, error: 'the workers share Redis: no limiter here' });
          break;
        }
        limiter.check(message.checks, message.now).then(
          (decisions) => send(worker, { kw: 'answer', id: message.id, decisions }),
          (error: unknown) => send(worker, { kw: 'failed', id: message.id, error: (error as Error).message }),
        );
        break;
      case 'publish': {
        const relayId = nextRelay++;
        const waiting = new Set([...byIndex.values()].filter((other) => other !== worker && other.isConnected()));
        const timer = setTimeout(() => {
          const relay = relays.get(relayId);
          if (relay === undefined) return;
          relay.waiting.clear();
          settleRelay(relayId);
        }, SIBLINGS_WAIT_MS);
        relays.set(relayId, { origin: worker, requestId: message.id, waiting, timer });
        for (const other of waiting) send(other, { kw: 'invalidate', id: relayId, message: message.message });
        settleRelay(relayId);
        break;
      }
      case 'applied': {
        relays.get(message.id)?.waiting.delete(worker);
        settleRelay(message.id);
        break;
      }
      case 'ready': {
        served.add(indexOf.get(worker) ?? 0);
        if (!forkedAll && !stopping) {
          forkedAll = true;
          for (let index = 2; index <= workers; index++) fork(index);
        }
        if (!announced && served.size === workers) {
          announced = true;
          process.stdout.write(`Keyward listening on ${message.address} (store: ${message.engine}, workers: ${workers})\n`);
        }
        break;
      }
    }
  };

  const fork = (index: number) => {
    const worker = cluster.fork();
    byIndex.set(index, worker);
    indexOf.set(worker, index);
    worker.on('message', (message: unknown) => {
      if (isKeywardMessage<FromWorker>(message)) onMessage(worker, message);
    });
    worker.on('exit', (code, signal) => {
      byIndex.delete(index);
      indexOf.delete(worker);
      for (const [relayId, relay] of relays) {
        relay.waiting.delete(worker);
        settleRelay(relayId);
      }
      if (stopping || !served.has(index)) {
        if (code !== 0) failed = true;
        // A worker that never served failed to start (a port in use, a database away): the others stop too.
        if (!stopping) {
          log.error({ worker: index, code, signal }, 'a worker failed to start: stopping the others');
          stop();
        }
        if (byIndex.size === 0) finished(failed ? 1 : 0);
        return;
      }
      log.error({ worker: index, code, signal }, 'a worker stopped unexpectedly: starting it again');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, RESTART_DELAY_MS).unref();
    });
  };

  const stop = () => {
    stopping = true;
    for (const worker of byIndex.values()) send(worker, { kw: 'stop' });
    if (byIndex.size === 0) finished(failed ? 1 : 0);
  };
  void done.then(() => limiter?.close());

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      // Whoever sends a second signal wants the processes gone now.
      log.warn({ signal }, 'second signal during shutdown: exiting at once');
      for (const worker of byIndex.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    log.info({ signal, workers: byIndex.size }, 'shutting down the workers');
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Worker 1 alone first: the migrations, the first workspace and its root key, the setup link happen once.
  fork(1);
  return done;
}
