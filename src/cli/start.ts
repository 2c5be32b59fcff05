import { describeConfig, type Config } from '../config.js';
import { createServer } from '../server.js';
import type { CliCommand } from './command.js';

export const startCli: CliCommand = {
  name: 'start',
  forms: [
    {
      summary:
        'Serve the HTTP API. Applies pending migrations first. On the very first start of an empty store it creates a ' +
        'workspace and prints its root key, once.',
    },
  ],
  details: 'Stops cleanly on SIGINT or SIGTERM.',
  run: (config) => startCommand(config),
};

export async function startCommand(config: Readonly<Config>): Promise<number | undefined> {
  const server = await createServer({ config });
  const first = await server.services.workspaces.bootstrapOnFirstStart();
  if (first) {
    // Printed to stdout, not logged: the key is shown once to whoever started the server.
    process.stdout.write(
      `\nFirst start: created workspace ${first.workspaceId} and a root key with every permission.\n` +
        `Root key (shown once, store it now): ${first.rootKey}\n\n`,
    );
  }
  server.app.log.info({ config: describeConfig(config) }, 'starting');
  const address = await server.listen();
  process.stdout.write(`Keyward listening on ${address} (store: ${server.store.engine})\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return undefined;
}
