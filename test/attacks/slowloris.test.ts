import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../per-file-server.js';
import { parseRawAnswer, type RawAnswer } from '../raw-http.js';

// Issue 11, finding 7: the server set requestTimeout to 0 and had no connection limit, so clients that sent their
// headers and then one body byte a second kept their connections (and file descriptors) forever: 1,000 of them took
// the server from 27 to 1,028 descriptors. Now a request, its headers and an idle keep-alive connection each have a
// finite time (KEYWARD_REQUEST_TIMEOUT_MS, KEYWARD_HEADERS_TIMEOUT_MS, KEYWARD_KEEP_ALIVE_TIMEOUT_MS), and past
// KEYWARD_MAX_CONNECTIONS a new connection is closed at once.

const REQUEST_MS = 1_000;
const HEADERS_MS = 500;
const KEEP_ALIVE_MS = 500;
/** Node checks the timeouts on an interval (a quarter of the headers timeout here), and the machine is shared. */
const SLACK_MS = 1_000;

const timed = useTestServer({
  env: {
    KEYWARD_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    KEYWARD_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    KEYWARD_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
  },
});
const LIMIT = 8;
const limited = useTestServer({ env: { KEYWARD_MAX_CONNECTIONS: String(LIMIT) } });

const portOf = async (t: typeof timed) => Number(new URL(await t.listen()).port);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SlowClient {
  /** Resolves when the server closes the connection: how long it stayed open, and what was answered. */
  closed: Promise<{ afterMs: number; answer: RawAnswer }>;
  stop(): void;
}

/** Connects, sends `head` at once, then `drip` one byte every `everyMs` until the server closes the connection. */
function slowClient(port: number, head: string, drip: string, everyMs: number): SlowClient {
  const socket = net.connect({ host: '127.0.0.1', port });
  const started = Date.now();
  const chunks: Buffer[] = [];
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.writable && drip !== '') socket.write(drip[sent++ % drip.length]!);
  }, everyMs);
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(head);
  const closed = new Promise<{ afterMs: number; answer: RawAnswer }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - started, answer: parseRawAnswer(Buffer.concat(chunks).toString('latin1')) });
    }),
  );
  return {
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

/** GET /v2/liveness on a new connection; the status, or 0 when the connection failed. */
function probe(port: number, agent?: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/v2/liveness', agent: agent ?? false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    request.on('error', () => resolve(0));
    request.setTimeout(5_000, () => request.destroy());
  });
}

/** Probes every 50 ms until `until` settles; every status seen. */
async function probeWhile(port: number, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const statuses: number[] = [];
  while (!done) {
    statuses.push(await probe(port));
    await sleep(50);
  }
  return statuses;
}

const verifyHead = (length: number) =>
  `POST /v2/keys.verifyKey HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`;

describe('slow clients try to hold connections open forever', () => {
  it('bodies sent a byte at a time are cut off with 408 within the request timeout, while others are answered', async () => {
    const port = await portOf(timed);
    const clients = Array.from({ length: 5 }, () => slowClient(port, verifyHead(1_000), ' ', 100));
    const all = Promise.all(clients.map((c) => c.closed));
    try {
      const statuses = await probeWhile(port, all);
      expect(statuses.length).toBeGreaterThan(3);
      expect(statuses.every((status) => status === 200)).toBe(true);
      for (const { afterMs, answer } of await all) {
        expect(afterMs).toBeGreaterThanOrEqual(REQUEST_MS - 50);
        expect(afterMs).toBeLessThan(REQUEST_MS + SLACK_MS);
        expect(answer.status).toBe(408);
        expect(JSON.parse(answer.body).error).toMatchObject({
          status: 408,
          type: 'https://unkey.com/docs/errors/user/bad_request/request_timeout',
          errors: [],
        });
      }
    } finally {
      for (const client of clients) client.stop();
    }
  });

  it('headers sent a byte at a time are cut off within the headers timeout', async () => {
    const port = await portOf(timed);
    const client = slowClient(port, 'GET /v2/liveness HTTP/1.1\r\n', 'X-Slow: a\r\n', 50);
    try {
      const { afterMs, answer } = await client.closed;
      expect(afterMs).toBeLessThan(HEADERS_MS + SLACK_MS);
      expect(answer.status).toBe(408);
    } finally {
      client.stop();
    }
  });

  it('a connection that sends nothing is closed within the headers timeout', async () => {
    const port = await portOf(timed);
    const client = slowClient(port, '', '', 60_000);
    try {
      expect((await client.closed).afterMs).toBeLessThan(HEADERS_MS + SLACK_MS);
    } finally {
      client.stop();
    }
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const port = await portOf(timed);
    const client = slowClient(port, 'GET /v2/liveness HTTP/1.1\r\nHost: localhost\r\n\r\n', '', 60_000);
    try {
      const { afterMs, answer } = await client.closed;
      expect(answer.status).toBe(200);
      expect(afterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
      // Node keeps an idle connection one second past the timeout it announces, so that the client closes first.
      expect(afterMs).toBeLessThan(KEEP_ALIVE_MS + 1_000 + SLACK_MS);
    } finally {
      client.stop();
    }
  });
});

describe('a flood of connections past KEYWARD_MAX_CONNECTIONS', () => {
  it('is closed at once, while the connections already open keep being answered', async () => {
    const port = await portOf(limited);
    const agent = new http.Agent({ keepAlive: true, maxSockets: LIMIT });
    try {
      // LIMIT keep-alive connections, all open together.
      expect(await Promise.all(Array.from({ length: LIMIT }, () => probe(port, agent)))).toEqual(Array(LIMIT).fill(200));
      expect(Object.values(agent.freeSockets).flat().length).toBe(LIMIT);
      const extra = Array.from({ length: 3 }, () => slowClient(port, 'GET /v2/liveness HTTP/1.1\r\nHost: localhost\r\n\r\n', '', 60_000));
      for (const client of extra) {
        const { afterMs, answer } = await client.closed;
        expect(answer.status).toBe(0);
        expect(afterMs).toBeLessThan(SLACK_MS);
      }
      // The open ones are still served, over the same connections.
      expect(await Promise.all(Array.from({ length: LIMIT }, () => probe(port, agent)))).toEqual(Array(LIMIT).fill(200));
      expect(Object.values(agent.freeSockets).flat().length).toBe(LIMIT);
    } finally {
      agent.destroy();
    }
    // Once they are gone, new connections are taken again.
    await sleep(100);
    expect(await probe(port)).toBe(200);
  });
});
