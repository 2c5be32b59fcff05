import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';

/**
 * A node as a version before new key hashes were logged ran it (docs/decisions/0034-filter-negatives-during-rolling-upgrades.md),
 * started by startEarlierVersionNode (test/faults/nodes.ts) for tests of a rolling upgrade: the real server with
 * `logsNewKeyHashes: false`, so keys.createKey and keys.rerollKey neither log nor publish the new key's hash and its
 * registry row does not advertise that they do. Prints the line startNode waits for; SIGTERM stops it cleanly (its
 * registry row deleted), as `keyward start` does.
 */
const server = await createServer({ config: loadConfig(), logsNewKeyHashes: false });
const address = await server.listen();
process.on('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
process.stdout.write(`Keyward listening on ${address} (store: ${server.store.engine})\n`);
