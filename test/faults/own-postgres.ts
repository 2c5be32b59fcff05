import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** The newest PostgreSQL installed from Debian's packages: its initdb and pg_ctl. */
function binDirectory(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  if (!newest) throw new Error('no PostgreSQL under /usr/lib/postgresql (Debian package postgresql)');
  return `/usr/lib/postgresql/${newest}/bin`;
}

/** PostgreSQL refuses to run as root: its tools run as the `postgres` user when the test runs as root. */
async function asPostgres(program: string, args: string[]): Promise<string> {
  const command = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  const { stdout } = await run(command[0] as string, command[1] as string[]);
  return stdout;
}

/**
 * A PostgreSQL cluster of the test's own, on its own port, that the test may stop, kill, freeze and restart: fault
 * tests never touch the shared server on 5432. Durability settings are off (a test's data need not survive the
 * machine), which does not change what a client sees when the server goes away.
 */
export interface OwnPostgres {
  readonly port: number;
  /** A URL of the `keyward` database (created at start). */
  readonly url: string;
  /** Starts the server (again); resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast` (clients see their connections closed) or `-m immediate` (a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGSTOP to every process of the cluster: connections stay open and nothing answers, like a network stall. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** pg_terminate_backend on every client connection whose application_name starts with `prefix` (all when omitted). */
  terminateConnections(prefix?: string): Promise<number>;
  /** Stops the server and deletes its directory. */
  remove(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDirectory();
  const root = mkdtempSync(join(tmpdir(), 'keyward-pg-'));
  if (process.getuid?.() === 0) chownSync(root, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), 0);
  const data = join(root, 'data');
  const port = await freePort();
  await asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const baseUrl = `postgres://postgres@127.0.0.1:${port}`;
  let frozen: number[] = [];

  const serverPids = async (): Promise<number[]> => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)]).catch(() => ({ stdout: '' }));
    return [
      postmaster,
      ...stdout
        .split('\n')
        .map(Number)
        .filter((pid) => pid > 0),
    ];
  };

  const own: OwnPostgres = {
    port,
    url: `${baseUrl}/keyward`,
    start: async () => {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', 'start']);
    },
    stop: async (mode = 'fast') => {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    },
    freeze: async () => {
      frozen = await serverPids();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw: async () => {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    terminateConnections: async (prefix = '') => {
      const client = new pg.Client({ connectionString: `${baseUrl}/postgres`, application_name: 'fault-test' });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name LIKE $1 || '%') t`,
          [prefix],
        );
        return rows[0].n as number;
      } finally {
        await client.end();
      }
    },
    remove: async () => {
      await own.thaw();
      await own.stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
  await own.start();
  const admin = new pg.Client({ connectionString: `${baseUrl}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE keyward');
  await admin.end();
  return own;
}
