import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingTools } from '../bench/run.js';
import { runLoad } from '../bench/lib/wrk.js';

/**
 * The benchmark's latency is the server's steady state, not the ramp of a fresh wrk's connections
 * (docs/decisions/0045-steady-state-latency.md). Node 20 accepts one connection per turn of its event loop, so when
 * requests start before every connection is accepted, each later connection waits behind a turn of answers to the
 * earlier ones: with 50 connections and 1 ms per answer, the last is accepted after about 1,200 answers and its first
 * request is timed at over a second. bench/wrk/post.lua holds the first request until the server has accepted them
 * all. Checked here by order, not by time: how many answers the server had given when it accepted each connection.
 */
const SERVER = `
const http = require('node:http');
let answered = 0;
const answeredAtAccept = [];
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/stats') return res.end(JSON.stringify(answeredAtAccept));
    const until = process.hrtime.bigint() + 1000000n;
    while (process.hrtime.bigint() < until) {}
    answered++;
    res.end('{"ok":true}');
  });
});
server.on('connection', () => answeredAtAccept.push(answered));
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

const missing = missingTools().filter((tool) => tool === 'wrk');
const dir = mkdtempSync(join(tmpdir(), 'keyward-wrk-open-'));
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing.length > 0)('bench/wrk/post.lua', () => {
  it('sends nothing until the server has accepted every connection, and leaves that pause out of the load time', {
    timeout: 30_000,
  }, async () => {
    server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      server!.stdout!.on('data', (chunk: Buffer) => {
        const match = /port (\d+)/.exec(chunk.toString('utf8'));
        if (match) resolve(Number(match[1]));
      });
      server!.once('exit', (code) => reject(new Error(`test server exited (${code})`)));
    });
    const bodiesFile = join(dir, 'bodies.jsonl');
    writeFileSync(bodiesFile, '{}\n');
    const connections = 50;
    const result = await runLoad({
      url: `http://127.0.0.1:${port}/load`,
      bodiesFile,
      expect: '"ok":true',
      seconds: 2,
      connections,
      cpu: cpus().length > 1 ? 1 : 0,
    });
    expect(result.mismatches).toBe(0);
    expect(result.requests).toBeGreaterThan(connections);
    expect(result.openPauseMs).toBe(50);
    expect(result.rps).toBeCloseTo(result.requests / result.seconds, 6);

    const answeredAtAccept = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as number[];
    // wrk's probe of the address (a connection it closes at once), its load connections, then this one.
    expect(answeredAtAccept).toHaveLength(connections + 2);
    // Every load connection was in within a turn of answers (0 on a quiet machine; a starved server may lag); without
    // the pause, the last came after about 1,200.
    expect(Math.max(...answeredAtAccept.slice(1, 1 + connections))).toBeLessThanOrEqual(connections);
  });
});
