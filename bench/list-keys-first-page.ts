/**
 * Server CPU per apis.listKeys page of one or more builds, through `keyward start` over HTTP (issue 16, decision 0041):
 * the first page (no cursor), the fifth, and the first ten pages cycled by 10 concurrent clients, each build started
 * in turn on core 0 on the same bench store, twice, alternating. Run it on core 1 (`taskset -c 1`).
 *
 *   taskset -c 1 npx tsx bench/list-keys-first-page.ts KEYS DIR [DIR...]
 *
 * DIR is a checkout built with `npm run build`. The server's CPU is read from /proc/<pid>/stat (10 ms ticks: hence
 * 400 pages a figure).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareDatabase } from './lib/keys.js';
import { startServer } from './lib/proc.js';

const size = Number(process.argv[2]);
const roots = process.argv.slice(3).map((root) => resolve(root));
if (!(size > 0) || roots.length === 0) throw new Error('usage: npx tsx bench/list-keys-first-page.ts KEYS DIR [DIR...]');
const db = await prepareDatabase('sqlite', size, { postgresUrl: '', log: () => undefined });
/** User + system CPU of a process, in microseconds. */
const cpu = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
};
const env = { KEYWARD_PORT: '0', KEYWARD_DATA_DIR: db.dataDir, KEYWARD_DATABASE_URL: db.databaseUrl, KEYWARD_LOG_LEVEL: 'warn' };
const headers = { 'content-type': 'application/json', authorization: `Bearer ${db.rootKey}` };
const pages = [undefined, ...db.listCursors].map((cursor) =>
  JSON.stringify(cursor ? { apiId: db.apiId, limit: 100, cursor } : { apiId: db.apiId, limit: 100 }),
);
const results = new Map<string, number[]>();
const record = (name: string, us: number) => results.set(name, [...(results.get(name) ?? []), us]);
try {
  for (let round = 0; round < 2; round++) {
    for (const root of roots) {
      const server = await startServer(['node', join(root, 'dist/src/main.js'), 'start'], { cpu: 0, env, cwd: root });
      const ask = async (body: string) => {
        const response = await fetch(`${server.url}/v2/apis.listKeys`, { method: 'POST', headers, body });
        if (response.status !== 200) throw new Error(`apis.listKeys answered ${response.status}`);
        await response.arrayBuffer();
      };
      try {
        for (const [name, body] of [
          ['first page', pages[0]!],
          ['fifth page', pages[4]!],
        ] as const) {
          for (let i = 0; i < 50; i++) await ask(body);
          const before = cpu(server.pid);
          for (let i = 0; i < 400; i++) await ask(body);
          record(`${root} ${name}`, (cpu(server.pid) - before) / 400);
        }
        let next = 0;
        const client = async (n: number) => {
          for (let i = 0; i < n; i++) await ask(pages[next++ % pages.length]!);
        };
        await Promise.all(Array.from({ length: 10 }, () => client(20)));
        const before = cpu(server.pid);
        await Promise.all(Array.from({ length: 10 }, () => client(100)));
        record(`${root} ten pages cycled, 10 clients`, (cpu(server.pid) - before) / 1000);
      } finally {
        await server.stop();
      }
    }
  }
  for (const [name, figures] of results) console.log(`${name}: ${figures.map((us) => us.toFixed(0)).join(' / ')} us of server CPU a page`);
} finally {
  await db.drop();
}
