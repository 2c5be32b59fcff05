import cluster from 'node:cluster';
import { PrimaryChannel } from '../cluster/primary-channel.js';
import { runPrimary } from '../cluster/primary.js';
import { describeConfig, MAX_WORKERS, type Config } from '../config.js';
import { createServer, type KeywardServer } from '../server.js';
import { SettingError } from '../setting-error.js';
import type { CommandArgs } from './command.js';

/** How long flushing buffers and closing the store, Redis and the vault may take once the grace period is over. */
const CLOSE_BOUND_MS = 5_000;

export async function startCommand(config: Readonly<Config>, args?: Pick<CommandArgs, 'workers'>): Promise<number | undefined> {
  // A worker of `--workers N` (node:cluster runs this same command line in it): serves, told what to do by its primary.
  if (cluster.isWorker) return serve(config, new PrimaryChannel(process));
  const workers = args?.workers === undefined ? config.workers : Number(args.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    process.stderr.write(`keyward: --workers must be an integer from 1 to ${MAX_WORKERS}, got "${args?.workers}"\n`);
    return 2;
  }
  if (workers > 1) return runPrimary(config, workers);
  return serve(config, null);
}

/** Serves alone (`channel` null) or as a worker whose primary relays its signals and announces the address. */
async function serve(config: Readonly<Config>, channel: PrimaryChannel | null): Promise<number | undefined> {
  const hello = channel && (await channel.request<{ index: number; restarted: boolean }>({ kw: 'hello' }));
  const worker = channel && hello && { index: hello.index, channel };
  const server = await createServer({ config, ...(worker ? { worker } : {}) });
  server.app.log.info({ config: describeConfig(config), ...(worker ? { worker: worker.index } : {}) }, 'starting');
  // Listen before the first workspace exists (issue 12, finding 8): a start that cannot listen must not have shown,
  // and so used up, the one-time root key; the next start that listens creates and prints it.
  let address: string;
  try {
    address = await server.listen();
  } catch (error) {
    await server.close();
    throw listenError(error, config);
  }
  // Once per start of the machine: in worker 1, which the primary starts before the others, and not when it is started
  // again after dying (a new setup link would void the one printed at start).
  const firstOfMachine = worker === null || (worker.index === 1 && hello?.restarted === false);
  const first = !firstOfMachine
    ? null
    : await server.services.workspaces.bootstrapOnFirstStart().catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
  if (first) {
    // Printed to stdout, not logged: the key is shown once to whoever started the server.
    process.stdout.write(
      `\nFirst start: created workspace ${first.workspaceId} and a root key with every permission.\n` +
        `Root key (shown once, store it now): ${first.rootKey}\n\n`,
    );
  }
  if (firstOfMachine) {
    await printSetupLink(server, config.publicUrl ?? address).catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Whoever sends a second signal wants the process gone now, requests in flight and buffers or not.
      server.app.log.warn({ signal }, 'second signal during shutdown: exiting at once');
      process.exit(1);
    }
    stopping = true;
    // Called before the log line, which then tells a reader that readiness already fails.
    const closing = server.close();
    const { shutdownDelayMs, shutdownGraceMs } = config;
    server.app.log.info({ signal, delayMs: shutdownDelayMs, graceMs: shutdownGraceMs }, 'shutting down');
    // Flushing and closing come after the grace period: a database that no longer answers must not hold the process.
    const boundMs = shutdownDelayMs + shutdownGraceMs + CLOSE_BOUND_MS;
    setTimeout(() => {
      server.app.log.error({ afterMs: boundMs }, 'shutdown did not finish: exiting');
      process.exit(1);
    }, boundMs).unref();
    closing.then(
      () => {
        server.app.log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        server.app.log.error({ err: error }, 'stopped after cutting requests');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (worker) {
    // A terminal's Ctrl-C reaches every process of the group: the primary's stop message is what counts, once.
    process.on('SIGINT', () => undefined);
    const stopOnce = () => {
      if (!stopping) stop('SIGTERM');
    };
    worker.channel.on('stop', stopOnce);
    // The primary is gone: nothing relays invalidations or signals any more.
    process.on('disconnect', stopOnce);
    worker.channel.notify({ kw: 'ready', address, engine: server.store.engine });
    return undefined;
  }
  process.on('SIGINT', () => stop('SIGINT'));
  // Printed once the signals are handled: whoever waits for this line may stop the node at once (a SIGTERM before the
  // handlers exist killed the process without a shutdown, test/faults/shutdown.test.ts).
  process.stdout.write(`Keyward listening on ${address} (store: ${server.store.engine})\n`);
  return undefined;
}

/**
 * While no dashboard operator exists, each start prints a new one-time setup link (the previous one stops working):
 * whoever opens it creates the first operator, admin of the first workspace (docs/decisions/0015-operators-and-mfa.md).
 * Printed to stdout like the first root key, the token after `#` so that it never reaches a server's access log; the
 * log line says only that it was printed.
 */
async function printSetupLink(server: KeywardServer, baseUrl: string): Promise<void> {
  const token = await server.services.dashboard.issueSetupToken();
  if (token === undefined) return;
  process.stdout.write(
    `\nNo dashboard operator yet. Open this link to create the first one (works once, for 24 hours, until the next start):\n` +
      `${baseUrl}/dashboard/setup#token=${token}\n` +
      'Or run `keyward operator create --email <email> --workspace <id> --role admin`.\n\n',
  );
  server.app.log.info({ expiresInHours: 24 }, 'first run: a one-time dashboard setup link was printed to stdout');
}

/** Why the server cannot listen, as the setting to change: a port in use or not allowed, an address not on this machine. */
function listenError(error: unknown, config: Readonly<Config>): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new SettingError('KEYWARD_PORT', `cannot listen on ${where}: the port is in use (KEYWARD_PORT, KEYWARD_HOST)`, {
        cause: error,
      });
    case 'EACCES':
      return new SettingError('KEYWARD_PORT', `cannot listen on ${where}: not allowed to use that port (KEYWARD_PORT)`, { cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SettingError('KEYWARD_HOST', `cannot listen on ${where}: no such address on this machine (KEYWARD_HOST)`, {
        cause: error,
      });
    default:
      return error;
  }
}
