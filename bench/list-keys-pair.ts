/**
 * Paired CPU per apis.listKeys page of two builds in one process (issue 16): both servers open the same bench store
 * (bench/lib/keys.ts) and pages are asked of them in alternating blocks, so a machine whose load changes by the minute
 * (other processes on the same cores) weighs on both sides alike. Each block's process CPU (user + system) is charged to
 * the build that served it; PostgreSQL's own work is not counted, node-postgres's is.
 *
 *   npx tsx bench/list-keys-pair.ts --base DIR --change DIR [--engine sqlite|postgres] [--blocks 20] [--pages 100]
 *     [--postgres-url URL]
 *
 * DIR is a checkout built with `npm run build` (its dist/src/server.js is used). Prints CPU us a page per side, the
 * median of the blocks' figures and their mean, and the ratio of the medians.
 */
import { resolve } from 'node:path';
import { benchConfig, option, serverModule } from './lib/in-process.js';
import { type Engine, prepareDatabase } from './lib/keys.js';

const engine = option('--engine', 'sqlite') as Engine;
const blocks = Number(option('--blocks', '20'));
const pagesPerBlock = Number(option('--pages', '100'));
const postgresUrl = option('--postgres-url', 'postgres://postgres@127.0.0.1:5432/test');
const roots = { base: resolve(option('--base')), change: resolve(option('--change')) };

const db = await prepareDatabase(engine, 1000, { postgresUrl, log: () => undefined });
try {
  const config = benchConfig(db);
  const bodies = [undefined, ...db.listCursors].map((cursor) =>
    JSON.stringify(cursor ? { apiId: db.apiId, limit: 100, cursor } : { apiId: db.apiId, limit: 100 }),
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${db.rootKey}` };
  const sides = [] as { name: keyof typeof roots; page: (i: number) => Promise<string>; close: () => Promise<void>; perPage: number[] }[];
  for (const name of ['base', 'change'] as const) {
    const { createServer } = await serverModule(roots[name]);
    const server = await createServer({ config, backgroundJobs: false });
    const page = async (i: number) => {
      const response = await server.app.inject({ method: 'POST', url: '/v2/apis.listKeys', headers, payload: bodies[i % bodies.length]! });
      if (response.statusCode !== 200) throw new Error(`${name}: apis.listKeys answered ${response.statusCode}: ${response.body}`);
      return response.body;
    };
    sides.push({ name, page, close: () => server.close(), perPage: [] });
  }
  // Both builds must answer the same bytes, page by page, but for the request's own id.
  const withoutRequestId = (body: string) => body.replace(/"requestId":"[^"]*"/, '');
  for (let i = 0; i < bodies.length; i++) {
    const [a, b] = (await Promise.all(sides.map((side) => side.page(i)))).map(withoutRequestId);
    if (a !== b) throw new Error(`page ${i}: the builds answer differently:\n${a?.slice(0, 600)}\n${b?.slice(0, 600)}`);
  }
  // Warm-up: the JIT, the statement caches, the root key's cache entry.
  for (const side of sides) for (let i = 0; i < 500; i++) await side.page(i);
  for (let block = 0; block < blocks; block++) {
    // Alternate which side goes first, so neither always follows the other's garbage.
    const order = block % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const cpu = process.cpuUsage();
      for (let i = 0; i < pagesPerBlock; i++) await side.page(block * pagesPerBlock + i);
      const used = process.cpuUsage(cpu);
      side.perPage.push((used.user + used.system) / pagesPerBlock);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  for (const side of sides) {
    process.stdout.write(
      `${engine} ${side.name}: median ${median(side.perPage).toFixed(0)} us CPU a page, mean ${mean(side.perPage).toFixed(0)} ` +
        `(${blocks} blocks of ${pagesPerBlock})\n`,
    );
  }
  process.stdout.write(`${engine} change/base (medians): ${(median(sides[1]!.perPage) / median(sides[0]!.perPage)).toFixed(2)}\n`);
  for (const side of sides) await side.close();
} finally {
  await db.drop();
}
