import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

/**
 * The verify lane (src/http/verify-lane.ts) answers POST /v2/keys.verifyKey in front of Fastify. It must answer
 * exactly what Fastify's own route answers: every case below is sent once through a real socket (the lane, or
 * Fastify when the lane hands the request on) and once through Fastify alone (inject), and the two answers must
 * agree byte for byte apart from the request id.
 */

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** Headers that carry meaning; date, connection and keep-alive are the transport's. */
const COMPARED_HEADERS = ['content-type', 'content-length', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'];

function normalize(answer: Answer): Answer {
  const headers: Answer['headers'] = {};
  for (const name of COMPARED_HEADERS) headers[name] = answer.headers[name];
  return { status: answer.status, headers, body: answer.body.replace(/"requestId":"req_[A-Za-z0-9]+"/, '"requestId":"req"') };
}

/** One raw HTTP/1.1 request with exactly these headers (fetch would add its own), chunked when `chunked`. */
function overSocket(address: string, path: string, headers: Record<string, string>, body: string, chunked = false): Promise<Answer> {
  const url = new URL(path, address);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        headers: chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Answer['headers'], body: text }));
      },
    );
    req.on('error', reject);
    if (chunked) {
      // Two writes without a length: the request goes out with Transfer-Encoding: chunked.
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    } else {
      req.end(body);
    }
  });
}

async function throughFastify(t: TestServer, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await t.server.app.inject({ method: 'POST', url: path, headers, payload: body });
  return { status: res.statusCode, headers: res.headers as Answer['headers'], body: res.body };
}

/** A JSON request with a root key, and any header replaced or added by `extra`. */
function jsonHeaders(rootKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${rootKey}`, ...extra };
}

interface SameAnswerCase {
  name: string;
  headers?: () => Record<string, string>;
  body: () => string;
  path?: string;
  lane: boolean;
}

/**
 * One test per case: sent over a real socket (the lane, or Fastify when the lane hands it on; `fastifySaw` counts
 * what reached Fastify) and through Fastify alone, the two answers byte-identical apart from the request id.
 */
function answersAsFastify(
  setup: () => { t: TestServer; address: string; fastifySaw: () => number; json: () => Record<string, string> },
  path: string,
  cases: SameAnswerCase[],
): void {
  for (const c of cases) {
    it(`${c.name}: ${c.lane ? 'answered by the lane' : 'handed to Fastify'}, with Fastify's answer`, async () => {
      const { t, address, fastifySaw, json } = setup();
      const headers = c.headers?.() ?? json();
      const body = c.body();
      const before = fastifySaw();
      const viaSocket = await overSocket(address, c.path ?? path, headers, body);
      expect(fastifySaw() - before).toBe(c.lane ? 0 : 1);
      const viaFastify = await throughFastify(t, c.path ?? path, headers, body);
      expect(normalize(viaSocket)).toEqual(normalize(viaFastify));
      expect(viaSocket.body).toMatch(/"requestId":"req_[A-Za-z0-9]{12}"/);
    });
  }
}

describe('the verify lane answers as Fastify does', () => {
  let t: TestServer;
  let address: string;
  let fastifySaw = 0;
  let keys: Record<'valid' | 'disabled' | 'limited' | 'permitted' | 'forbidden', string>;
  let narrowRootKey: string;

  beforeAll(async () => {
    t = await startTestServer({ env: { KEYWARD_BODY_LIMIT: '2048' } });
    // Counts what reaches Fastify's router: a verification the lane answers never does.
    t.server.app.addHook('onRequest', (request, _reply, done) => {
      if (request.url.startsWith('/v2/keys.verifyKey')) fastifySaw++;
      done();
    });
    const apiId = (await t.call('apis.createApi', { name: 'lane api' })).body.data.apiId;
    const create = async (body: Record<string, unknown>, api = apiId) =>
      (await t.call('keys.createKey', { apiId: api, ...body })).body.data.key as string;
    // An API whose whitelist leaves out 127.0.0.1, where both paths' requests come from.
    const fencedApiId = (await t.call('apis.createApi', { name: 'fenced api' })).body.data.apiId;
    expect((await t.call('apiSettings.updateSettings', { apiId: fencedApiId, ipWhitelist: ['10.0.0.0/8'] })).status).toBe(200);
    keys = {
      forbidden: await create({ credits: { remaining: 5 } }, fencedApiId),
      valid: await create({ name: 'plain', meta: { plan: 'pro' } }),
      disabled: await create({ enabled: false }),
      limited: await create({ credits: { remaining: 5 } }),
      permitted: await create({ permissions: ['documents.read'], roles: [] }),
    };
    narrowRootKey = await t.rootKeyWith(['api.*.read_key']);
    address = await t.listen();
  });
  afterAll(async () => {
    await t.close();
  });

  const json = (extra: Record<string, string> = {}) => jsonHeaders(t.rootKey, extra);

  const cases: SameAnswerCase[] = [
    { name: 'a valid key', body: () => JSON.stringify({ key: keys.valid }), lane: true },
    { name: 'an unknown key', body: () => JSON.stringify({ key: 'sk_unknown_0000000000000000' }), lane: true },
    { name: 'a disabled key', body: () => JSON.stringify({ key: keys.disabled }), lane: true },
    { name: 'a limited key read at cost 0', body: () => JSON.stringify({ key: keys.limited, credits: { cost: 0 } }), lane: true },
    {
      name: 'a permission query that holds',
      body: () => JSON.stringify({ key: keys.permitted, permissions: 'documents.read' }),
      lane: true,
    },
    {
      name: 'a permission query that fails',
      body: () => JSON.stringify({ key: keys.permitted, permissions: 'documents.write' }),
      lane: true,
    },
    { name: 'a key whose API whitelist leaves out the client', body: () => JSON.stringify({ key: keys.forbidden }), lane: true },
    {
      name: 'a permission query that does not parse (400)',
      body: () => JSON.stringify({ key: keys.permitted, permissions: 'a AND (' }),
      lane: true,
    },
    {
      name: 'an unknown named rate limit (412)',
      body: () => JSON.stringify({ key: keys.valid, ratelimits: [{ name: 'nope' }] }),
      lane: true,
    },
    {
      name: 'an ad-hoc rate limit',
      body: () => JSON.stringify({ key: keys.valid, ratelimits: [{ name: 'burst', limit: 100, duration: 60_000, cost: 0 }] }),
      lane: true,
    },
    {
      name: 'an ad-hoc rate limit of 0 ms (upstream minimum 0)',
      body: () => JSON.stringify({ key: keys.valid, ratelimits: [{ name: 'instant', limit: 100, duration: 0, cost: 0 }] }),
      lane: true,
    },
    {
      name: 'an ad-hoc rate limit of 500 ms',
      body: () => JSON.stringify({ key: keys.valid, ratelimits: [{ name: 'half', limit: 100, duration: 500, cost: 0 }] }),
      lane: true,
    },
    { name: 'an empty migrationId (upstream: no migration)', body: () => JSON.stringify({ key: keys.valid, migrationId: '' }), lane: true },
    {
      name: 'charset utf-8 spelled out',
      headers: () => json({ 'content-type': 'application/json; charset=utf-8' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    {
      name: 'the JSON type in capitals',
      headers: () => json({ 'content-type': 'Application/JSON' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    {
      name: 'no Authorization header',
      headers: () => ({ 'content-type': 'application/json' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    {
      name: 'a Basic Authorization header',
      headers: () => json({ authorization: 'Basic abc' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    {
      name: 'an unknown root key',
      headers: () => json({ authorization: 'Bearer kw_root_nope' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    {
      name: 'a root key without verify permission',
      headers: () => json({ authorization: `Bearer ${narrowRootKey}` }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    {
      name: 'an auth error asked as problem+json',
      headers: () => json({ authorization: 'Basic abc', accept: 'application/problem+json' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: true,
    },
    // Handed to Fastify: the lane reads them (or not) and Fastify answers.
    { name: 'a body that is not JSON', body: () => '{"key": ', lane: false },
    { name: 'an empty body', body: () => '', lane: false },
    { name: 'an unknown field', body: () => JSON.stringify({ key: keys.valid, extra: 1 }), lane: false },
    { name: 'a key of the wrong type', body: () => JSON.stringify({ key: 5 }), lane: false },
    { name: 'no key', body: () => JSON.stringify({}), lane: false },
    { name: 'a negative credit cost', body: () => JSON.stringify({ key: keys.limited, credits: { cost: -1 } }), lane: false },
    { name: 'a __proto__ key', body: () => `{"key":"${keys.valid}","__proto__":{"x":1}}`, lane: false },
    { name: 'a constructor.prototype key', body: () => `{"key":"${keys.valid}","constructor":{"prototype":{"x":1}}}`, lane: false },
    {
      name: 'a body over the limit',
      body: () => JSON.stringify({ key: keys.valid, tags: Array.from({ length: 20 }, () => 'x'.repeat(200)) }),
      lane: false,
    },
    {
      name: 'text/plain',
      headers: () => json({ 'content-type': 'text/plain' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: false,
    },
    {
      name: 'an upper-case JSON type with another charset',
      headers: () => json({ 'content-type': 'Application/JSON; charset=latin1' }),
      body: () => JSON.stringify({ key: keys.valid }),
      lane: false,
    },
    { name: 'a query string', path: '/v2/keys.verifyKey?x=1', body: () => JSON.stringify({ key: keys.valid }), lane: false },
  ];

  answersAsFastify(() => ({ t, address, fastifySaw: () => fastifySaw, json }), '/v2/keys.verifyKey', cases);

  it('a chunked body (no Content-Length) is handed to Fastify and verified there', async () => {
    const before = fastifySaw;
    const answer = await overSocket(address, '/v2/keys.verifyKey', json(), JSON.stringify({ key: keys.valid }), true);
    expect(fastifySaw - before).toBe(1);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data).toMatchObject({ valid: true, code: 'VALID' });
  });

  it('spends credits exactly once per verification, through either path', async () => {
    const spend = JSON.stringify({ key: keys.limited, credits: { cost: 2 } });
    const first = JSON.parse((await overSocket(address, '/v2/keys.verifyKey', json(), spend)).body).data;
    const second = JSON.parse((await throughFastify(t, '/v2/keys.verifyKey', json(), spend)).body).data;
    const third = JSON.parse((await overSocket(address, '/v2/keys.verifyKey', json(), spend)).body).data;
    // The refused third call reports the balance it could not pay from, untouched (upstream's USAGE_EXCEEDED).
    expect([first.credits, second.credits, third.credits]).toEqual([3, 1, 1]);
    expect([first.code, second.code, third.code]).toEqual(['VALID', 'VALID', 'USAGE_EXCEEDED']);
  });

  it('answers many verifications sent at once, each with its own answer', async () => {
    const bodies = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? { key: keys.valid } : { key: `sk_unknown_${i}_000000000000000` }));
    const answers = await Promise.all(bodies.map((b) => overSocket(address, '/v2/keys.verifyKey', json(), JSON.stringify(b))));
    const codes = answers.map((a) => JSON.parse(a.body).data.code);
    expect(codes).toEqual(bodies.map((_, i) => (i % 2 === 0 ? 'VALID' : 'NOT_FOUND')));
    expect(new Set(answers.map((a) => JSON.parse(a.body).meta.requestId)).size).toBe(200);
  });
});

describe('the verify lane counts the workspace API rate limit as Fastify does', () => {
  let t: TestServer;
  let address: string;
  let key: string;

  beforeAll(async () => {
    t = await startTestServer({ env: { KEYWARD_WORKSPACE_RATE_LIMIT: '4' } });
    const apiId = (await t.call('apis.createApi', { name: 'limited api' })).body.data.apiId;
    key = (await t.call('keys.createKey', { apiId })).body.data.key;
    address = await t.listen();
  });
  afterAll(async () => {
    await t.close();
  });

  it('shares one counter between the two paths: headers on every answer, then 429 with Retry-After', async () => {
    // createApi and createKey above spent 2 of the 4 requests this minute.
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.rootKey}` };
    const body = JSON.stringify({ key });
    const lane = await overSocket(address, '/v2/keys.verifyKey', headers, body);
    expect(lane.status).toBe(200);
    expect(lane.headers['ratelimit-limit']).toBe('4');
    expect(lane.headers['ratelimit-remaining']).toBe('1');
    const fastify = await throughFastify(t, '/v2/keys.verifyKey', headers, body);
    expect(fastify.headers['ratelimit-remaining']).toBe('0');
    const refusedByLane = await overSocket(address, '/v2/keys.verifyKey', headers, body);
    const refusedByFastify = await throughFastify(t, '/v2/keys.verifyKey', headers, body);
    expect(refusedByLane.status).toBe(429);
    expect(Number(refusedByLane.headers['retry-after'])).toBeGreaterThan(0);
    expect(normalize(refusedByLane)).toEqual(normalize(refusedByFastify));
  });
});

describe('the verify lane takes more than 50 rate limits, as upstream and Fastify do', () => {
  let t: TestServer;
  let address: string;
  let key: string;

  beforeAll(async () => {
    t = await startTestServer();
    const apiId = (await t.call('apis.createApi', { name: 'many limits api' })).body.data.apiId;
    key = (await t.call('keys.createKey', { apiId })).body.data.key;
    address = await t.listen();
  });
  afterAll(async () => {
    await t.close();
  });

  it('51 ad-hoc limits: answered by the lane, with the answer Fastify gives', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.rootKey}` };
    const ratelimits = Array.from({ length: 51 }, (_, i) => ({ name: `lim${i}`, limit: 100, duration: 60_000, cost: 0 }));
    const body = JSON.stringify({ key, ratelimits });
    const lane = await overSocket(address, '/v2/keys.verifyKey', headers, body);
    expect(lane.status).toBe(200);
    expect(JSON.parse(lane.body).data.ratelimits).toHaveLength(51);
    expect(normalize(lane)).toEqual(normalize(await throughFastify(t, '/v2/keys.verifyKey', headers, body)));
  });
});

describe('the lane answers ratelimit.limit as Fastify does', () => {
  let t: TestServer;
  let address: string;
  let fastifySaw = 0;
  let narrowRootKey: string;
  let noCreateRootKey: string;

  beforeAll(async () => {
    t = await startTestServer();
    t.server.app.addHook('onRequest', (request, _reply, done) => {
      if (request.url.startsWith('/v2/ratelimit.limit')) fastifySaw++;
      done();
    });
    // The namespace exists before the cases run, and one identifier has an override.
    expect((await t.call('ratelimit.limit', { namespace: 'api', identifier: 'warm', limit: 10, duration: 60_000 })).status).toBe(200);
    const override = { namespace: 'api', identifier: 'vip', limit: 1000, duration: 1000 };
    expect((await t.call('ratelimit.setOverride', override)).status).toBe(200);
    expect((await t.call('ratelimit.limit', { namespace: 'retired', identifier: 'a', limit: 10, duration: 60_000 })).status).toBe(200);
    expect((await t.call('ratelimitNamespaces.deleteNamespace', { namespace: 'retired' })).status).toBe(200);
    narrowRootKey = await t.rootKeyWith(['api.*.read_key']);
    noCreateRootKey = await t.rootKeyWith(['ratelimit.*.limit']);
    address = await t.listen();
  });
  afterAll(async () => {
    await t.close();
  });

  const json = (extra: Record<string, string> = {}) => jsonHeaders(t.rootKey, extra);
  const limit = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ namespace: 'api', identifier: 'user', limit: 10, duration: 60_000, cost: 0, ...extra });

  // Each case is sent twice (lane, then Fastify alone): they check at cost 0 or are refused, so both see the same counts.
  const cases: SameAnswerCase[] = [
    { name: 'a check at cost 0', body: () => limit(), lane: true },
    { name: 'a cost over the limit (refused, nothing counted)', body: () => limit({ limit: 1, cost: 2 }), lane: true },
    { name: 'an identifier with an override', body: () => limit({ identifier: 'vip' }), lane: true },
    { name: 'a deleted namespace (410)', body: () => limit({ namespace: 'retired' }), lane: true },
    {
      name: 'a namespace it may not create (403)',
      headers: () => json({ authorization: `Bearer ${noCreateRootKey}` }),
      body: () => limit({ namespace: 'never-made' }),
      lane: true,
    },
    {
      name: 'a root key without limit permission (403)',
      headers: () => json({ authorization: `Bearer ${narrowRootKey}` }),
      body: () => limit(),
      lane: true,
    },
    { name: 'no Authorization header', headers: () => ({ 'content-type': 'application/json' }), body: () => limit(), lane: true },
    { name: 'a limit of 0 (400, from Fastify)', body: () => limit({ limit: 0 }), lane: false },
    { name: 'an unknown field', body: () => limit({ extra: 1 }), lane: false },
    { name: 'no identifier', body: () => JSON.stringify({ namespace: 'api', limit: 10, duration: 60_000 }), lane: false },
    { name: 'a body that is not JSON', body: () => '{"namespace": ', lane: false },
  ];

  answersAsFastify(() => ({ t, address, fastifySaw: () => fastifySaw, json }), '/v2/ratelimit.limit', cases);

  it('a namespace named for the first time is created once, whichever path names it', async () => {
    const body = limit({ namespace: 'fresh', cost: 1 });
    const first = await overSocket(address, '/v2/ratelimit.limit', json(), body);
    const second = await throughFastify(t, '/v2/ratelimit.limit', json(), body);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([JSON.parse(first.body).data.remaining, JSON.parse(second.body).data.remaining]).toEqual([9, 8]);
    const listed = (await t.call('ratelimitNamespaces.listNamespaces', {})).body.data.map((n: { name: string }) => n.name);
    expect(listed.filter((name: string) => name === 'fresh')).toHaveLength(1);
  });

  it('counts exactly when many calls arrive in one turn: the limit admits exactly its number', async () => {
    const body = limit({ identifier: 'burst', limit: 25, cost: 1 });
    const answers = await Promise.all(Array.from({ length: 60 }, () => overSocket(address, '/v2/ratelimit.limit', json(), body)));
    const data = answers.map((a) => JSON.parse(a.body).data as { success: boolean; remaining: number });
    expect(data.filter((d) => d.success)).toHaveLength(25);
    expect(new Set(data.filter((d) => d.success).map((d) => d.remaining))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => i)));
    expect(new Set(answers.map((a) => JSON.parse(a.body).meta.requestId)).size).toBe(60);
  });
});
