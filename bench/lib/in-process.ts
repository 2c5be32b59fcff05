import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config/types.js';
import type { BenchDatabase } from './keys.js';

/**
 * What the in-process measuring scripts (bench/create-key-cpu.ts, list-keys-cpu.ts, list-keys-pair.ts;
 * analytics-recorder-gc.ts for its options) share: their command line, the server module of this checkout or of
 * another's build, and a quiet server's settings on the bench store.
 */

/** `--name value` from the command line; without a fallback the option is required. */
export function option(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1]!;
  if (fallback === undefined) throw new Error(`${name} is required`);
  return fallback;
}

/** A path given with `--name`, resolved; undefined when the option is absent. */
export const pathOption = (name: string): string | undefined => (process.argv.includes(name) ? resolve(option(name)) : undefined);

/** This checkout's src/server.js, or `root`'s build of it (dist/src/server.js: `npm run build` there). */
export async function serverModule(root?: string): Promise<typeof import('../../src/server.js')> {
  return root
    ? ((await import(pathToFileURL(join(root, 'dist/src/server.js')).href)) as typeof import('../../src/server.js'))
    : import('../../src/server.js');
}

/** A server's settings on the bench store: any free port, nothing logged. */
export const benchConfig = (db: BenchDatabase): Readonly<Config> =>
  loadConfig({
    KEYWARD_PORT: '0',
    KEYWARD_DATA_DIR: db.dataDir,
    KEYWARD_DATABASE_URL: db.databaseUrl,
    KEYWARD_LOG_LEVEL: 'silent',
  });
