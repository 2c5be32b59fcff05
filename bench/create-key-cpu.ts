/**
 * CPU per keys.createKey in one process, through the whole route (Fastify's inject: validation, admission, the
 * service, the store's transaction groups, serialization), on the bench's store (bench/lib/keys.ts), with
 * `--concurrency` creations in flight as the HTTP benchmark's 50 connections have. For paired measurements of a change
 * to the creation path against a build of another commit, without a socket or wrk sharing the cores (issue 16).
 *
 *   npx tsx bench/create-key-cpu.ts [--engine sqlite|postgres] [--creations 5000] [--rounds 3] [--concurrency 50]
 *     [--keyward-root DIR] [--profile FILE.cpuprofile] [--postgres-url URL]
 *
 * --keyward-root DIR runs DIR/dist/src/server.js (a build of another commit; `npm run build` there) instead of this
 * tree's src. Each round reports the process's CPU per creation (user + system of every thread, the checkpointer's
 * included; on PostgreSQL the client's work only) and the slowest creation. --profile writes a V8 CPU profile of the
 * last round only (bench/profile-summary.ts reads it).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { benchConfig, option, pathOption, serverModule } from './lib/in-process.js';
import { type Engine, prepareDatabase } from './lib/keys.js';

const engine = option('--engine', 'sqlite') as Engine;
const keys = Number(option('--keys', '1000'));
const creations = Number(option('--creations', '5000'));
const concurrency = Number(option('--concurrency', '50'));
const rounds = Number(option('--rounds', '3'));
const root = pathOption('--keyward-root');
const profileFile = process.argv.includes('--profile') ? resolve(option('--profile', 'create-key.cpuprofile')) : undefined;
const postgresUrl = option('--postgres-url', 'postgres://postgres@127.0.0.1:5432/test');

const { createServer } = await serverModule(root);

const db = await prepareDatabase(engine, keys, { postgresUrl, log: () => undefined });
try {
  const config = benchConfig(db);
  const server = await createServer({ config, backgroundJobs: false });
  const payload = JSON.stringify({ apiId: db.writesApiId, prefix: 'load', name: 'load' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${db.rootKey}` };
  let slowest = 0;
  const create = async () => {
    const began = performance.now();
    const response = await server.app.inject({ method: 'POST', url: '/v2/keys.createKey', headers, payload });
    if (response.statusCode !== 200) throw new Error(`keys.createKey answered ${response.statusCode}: ${response.body}`);
    slowest = Math.max(slowest, performance.now() - began);
  };
  /** `count` creations, `concurrency` of them in flight at a time. */
  const createMany = async (count: number) => {
    let next = 0;
    const lane = async () => {
      while (next < count) {
        next++;
        await create();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  };
  // Warm-up: the JIT, the statement caches, the root key's cache entry.
  await createMany(1000);
  const session = new Session();
  for (let round = 1; round <= rounds; round++) {
    const profiling = profileFile !== undefined && round === rounds;
    if (profiling) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    slowest = 0;
    const cpu = process.cpuUsage();
    const began = performance.now();
    await createMany(creations);
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - began;
    if (profiling) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
      session.disconnect();
    }
    process.stdout.write(
      `${engine} round ${round}: ${((used.user + used.system) / creations).toFixed(0)} us CPU a creation ` +
        `(user ${(used.user / creations).toFixed(0)}), ${((wall * 1000) / creations).toFixed(0)} us wall, slowest ${slowest.toFixed(1)} ms\n`,
    );
  }
  await server.close();
} finally {
  await db.drop();
}
