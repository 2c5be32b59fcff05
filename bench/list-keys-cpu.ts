/**
 * CPU per apis.listKeys page in one process, through the whole route (Fastify's inject: validation, admission, the
 * service, the store, serialization), on the bench's store (bench/lib/keys.ts). For paired measurements of a change
 * to the page's path against a build of another commit, without a socket or wrk sharing the cores (issue 16).
 *
 *   npx tsx bench/list-keys-cpu.ts [--engine sqlite|postgres] [--keys 1000] [--pages 3000] [--rounds 3]
 *     [--keyward-root DIR] [--profile FILE.cpuprofile] [--postgres-url URL]
 *
 * --keyward-root DIR runs DIR/dist/src/server.js (a build of another commit; `npm run build` there) instead of this
 * tree's src. Each round cycles the bench's ten pages (the first without a cursor) and reports the process's CPU per
 * page (user + system, so PostgreSQL's client work counts but not the database server's). --profile writes a V8 CPU
 * profile of the last round only (bench/profile-summary.ts reads it).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { benchConfig, option, pathOption, serverModule } from './lib/in-process.js';
import { type Engine, prepareDatabase } from './lib/keys.js';

const engine = option('--engine', 'sqlite') as Engine;
const keys = Number(option('--keys', '1000'));
const pages = Number(option('--pages', '3000'));
const rounds = Number(option('--rounds', '3'));
const root = pathOption('--keyward-root');
const profileFile = process.argv.includes('--profile') ? resolve(option('--profile', 'list-keys.cpuprofile')) : undefined;
const postgresUrl = option('--postgres-url', 'postgres://postgres@127.0.0.1:5432/test');

const { createServer } = await serverModule(root);

const db = await prepareDatabase(engine, keys, { postgresUrl, log: () => undefined });
try {
  const config = benchConfig(db);
  const server = await createServer({ config, backgroundJobs: false });
  const bodies = [undefined, ...db.listCursors].map((cursor) =>
    JSON.stringify(cursor ? { apiId: db.apiId, limit: 100, cursor } : { apiId: db.apiId, limit: 100 }),
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${db.rootKey}` };
  let bytes = 0;
  const page = async (i: number) => {
    const response = await server.app.inject({ method: 'POST', url: '/v2/apis.listKeys', headers, payload: bodies[i % bodies.length]! });
    if (response.statusCode !== 200) throw new Error(`apis.listKeys answered ${response.statusCode}: ${response.body}`);
    bytes += response.rawPayload.length;
  };
  // Warm-up: the JIT, the statement caches, the root key's cache entry.
  for (let i = 0; i < 300; i++) await page(i);
  const session = new Session();
  for (let round = 1; round <= rounds; round++) {
    const profiling = profileFile !== undefined && round === rounds;
    if (profiling) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    bytes = 0;
    const cpu = process.cpuUsage();
    const began = performance.now();
    for (let i = 0; i < pages; i++) await page(i);
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - began;
    if (profiling) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
      session.disconnect();
    }
    process.stdout.write(
      `${engine} round ${round}: ${((used.user + used.system) / pages).toFixed(0)} us CPU a page ` +
        `(user ${(used.user / pages).toFixed(0)}), ${((wall * 1000) / pages).toFixed(0)} us wall, ${Math.round(bytes / pages)} B a page\n`,
    );
  }
  await server.close();
} finally {
  await db.drop();
}
