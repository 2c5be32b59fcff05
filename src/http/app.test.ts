import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../test/harness.js';
import { useTestServer } from '../../test/per-file-server.js';
import { ROUTES } from './routes/index.js';

/** Behaviour every route shares through the app: routing, envelopes, errors, content types, the API document. */

const t = useTestServer();

const TYPE = 'https://unkey.com/docs/errors/';
const REQUEST_ID = /^req_[A-Za-z0-9]+$/;

async function request(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: { headers?: Record<string, string>; payload?: string } = {},
) {
  const response = await t.server.app.inject({ method, url, headers: options.headers, payload: options.payload });
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type']),
    body: response.json() as any,
    text: response.body,
  };
}

const post = (operation: string, payload: string, headers: Record<string, string> = {}) =>
  request('POST', `/v2/${operation}`, {
    payload,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.rootKey}`, ...headers },
  });

/** Checks the error envelope every failure must have, and returns the error. */
function expectError(res: { status: number; body: any }, status: number, typeSuffix: string) {
  expect(res.status).toBe(status);
  expect(res.body.meta.requestId).toMatch(REQUEST_ID);
  expect(res.body.error).toMatchObject({ status, type: TYPE + typeSuffix, title: expect.any(String), detail: expect.any(String) });
  // Clients reject a 400 without `errors`.
  if (status === 400) expect(Array.isArray(res.body.error.errors)).toBe(true);
  return res.body.error;
}

describe('routing', () => {
  it('404 JSON for an unknown path, an unknown operation and a wrong method', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['POST', '/v2/nope.nothing'],
      ['GET', '/v2/apis.createApi'],
      ['PUT', '/v2/apis.createApi'],
      ['DELETE', '/v2/liveness'],
    ] as const) {
      const res = await request(method, url);
      expect(res.contentType, `${method} ${url}`).toMatch(/^application\/json/);
      const error = expectError(res, 404, 'keyward/routing/route_not_found');
      expect(error.detail).toContain(`${method} ${url}`);
    }
  });

  it('GET /v2/liveness answers without authentication', async () => {
    const res = await request('GET', '/v2/liveness');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual({ meta: { requestId: expect.stringMatching(REQUEST_ID) }, data: { message: expect.any(String) } });
  });

  it('GET /v2/readiness answers without authentication, naming each dependency (the test server has no Redis)', async () => {
    const res = await request('GET', '/v2/readiness');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      meta: { requestId: expect.stringMatching(REQUEST_ID) },
      data: { ready: true, shuttingDown: false, database: 'ok', redis: 'unused' },
    });
  });
});

describe('API document', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document listing every operation', async () => {
    const res = await request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.rootKey).toEqual({ type: 'http', scheme: 'bearer' });

    const operationIds: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      expect(path.startsWith('/')).toBe(true);
      for (const [method, operation] of Object.entries<any>(item)) {
        expect(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']).toContain(method);
        // OpenAPI requires `responses`, and a description on every response.
        expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const response of Object.values<any>(operation.responses)) expect(typeof response.description).toBe('string');
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
        }
        if (operation.operationId) operationIds.push(operation.operationId);
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);

    for (const route of ROUTES) {
      const operation = doc.paths[`/v2/${route.operation}`]?.post;
      expect(operation, route.operation).toBeDefined();
      expect(operation.operationId).toBe(route.operation);
      expect(operation.security).toEqual([{ rootKey: [] }]);
      // A JSON object, or an array for the batch operations (ratelimit.multiLimit).
      expect(['object', 'array']).toContain(operation.requestBody.content['application/json'].schema.type);
      // The route's own error statuses, plus any the app adds to every operation (such as 429); all of them 4xx/5xx.
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', ...route.errors.map(String)]));
      for (const status of Object.keys(operation.responses)) if (status !== '200') expect(status).toMatch(/^[45]\d\d$/);
    }
    expect(doc.paths['/v2/liveness'].get).toBeDefined();
    expect(Object.keys(doc.paths)).not.toContain('/openapi.json');

    // Every schema is valid JSON Schema 2020-12 (OpenAPI 3.1's dialect) and every $ref points inside the document.
    const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as new (
      options: object,
    ) => {
      validateSchema(schema: unknown): boolean;
      errors?: unknown;
    };
    const ajv = new Ajv2020({ strict: false });
    const visit = (node: unknown, at: string): void => {
      if (Array.isArray(node)) {
        node.forEach((child, i) => {
          visit(child, `${at}/${i}`);
        });
        return;
      }
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'schema') expect(ajv.validateSchema(value), `${at}/schema: ${JSON.stringify(ajv.errors)}`).toBe(true);
        if (key === '$ref') {
          expect(value, at).toMatch(/^#\//);
          const target = String(value)
            .slice(2)
            .split('/')
            .reduce<any>((parent, part) => parent?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
          expect(target, `${at}: ${String(value)}`).toBeDefined();
        }
        visit(value, `${at}/${key}`);
      }
    };
    visit(doc, '#');
  });

  it('GET /docs serves the API reference page, which loads the same document', async () => {
    const html = await t.server.app.inject({ method: 'GET', url: '/docs' });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('swagger-ui');
    const initializer = await t.server.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    const spec = await request('GET', '/docs/json');
    expect(spec.status).toBe(200);
    expect(spec.body.paths).toEqual((await request('GET', '/openapi.json')).body.paths);
  });
});

describe('request bodies', () => {
  it('413 with the error body for a body over KEYWARD_BODY_LIMIT; a body under it is served', async () => {
    const small = await startTestServer({ env: { KEYWARD_BODY_LIMIT: '1024' } });
    try {
      const send = (payload: string) =>
        small.server.app.inject({
          method: 'POST',
          url: '/v2/apis.createApi',
          payload,
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${small.rootKey}` },
        });
      const big = await send(JSON.stringify({ name: 'x'.repeat(2000) }));
      expect(big.headers['content-type']).toMatch(/^application\/json/);
      const error = expectError({ status: big.statusCode, body: big.json() }, 413, 'user/bad_request/request_body_too_large');
      expect(error.errors).toEqual([]);
      expect(error.detail).toContain('1024');
      const fits = await send(JSON.stringify({ name: 'fits' }));
      expect(fits.statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('400 request_body_unreadable for malformed JSON, an empty JSON body, a poisoned prototype and a non-JSON content type, typed invalid_input as upstream (its OpenAPI validator answers them)', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['{"name": ', {}],
      ['', {}],
      ['{"name": "abcd", "__proto__": {"admin": true}}', {}],
      ['name=abcd', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['{"name": "abcd"}', { 'content-type': 'text/plain' }],
    ];
    for (const [payload, headers] of cases) {
      const res = await post('apis.createApi', payload, headers);
      expect(res.body.error?.type, JSON.stringify([payload, headers])).toBe(`${TYPE}unkey/application/invalid_input`);
      expectError(res, 400, 'unkey/application/invalid_input');
    }
    // A charset parameter is still JSON.
    expect((await post('apis.createApi', '{"name": "charset"}', { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('400 invalid_input lists every schema problem, and validation comes before authentication (as upstream)', async () => {
    const res = await post('apis.createApi', '{"name": 5, "extra": true}', { authorization: 'Bearer not-a-root-key' });
    const error = expectError(res, 400, 'unkey/application/invalid_input');
    expect(error.errors).toEqual(
      expect.arrayContaining([
        { location: 'body', message: "unknown field 'extra'", fix: expect.any(String) },
        { location: 'body.name', message: expect.stringContaining('type') },
      ]),
    );
  });
});

describe('authentication', () => {
  it('400 invalid_input without an Authorization header, as upstream (its OpenAPI validator requires the header)', async () => {
    const res = await request('POST', '/v2/apis.getApi', {
      payload: '{"apiId": "api_12345678"}',
      headers: { 'content-type': 'application/json' },
    });
    const error = expectError(res, 400, 'unkey/application/invalid_input');
    expect(error.detail).toBe("Authorization header for 'bearer' scheme is missing.");
  });

  it('400 malformed for a header that is not Bearer <token>', async () => {
    for (const authorization of ['Basic x', 'Bearer', 'Bearer    ', 'kw_root_abc def']) {
      const res = await post('apis.getApi', '{"apiId": "api_12345678"}', { authorization });
      expectError(res, 400, 'unkey/authentication/malformed');
    }
  });

  it('401 for an unknown bearer token', async () => {
    const res = await post('apis.getApi', '{"apiId": "api_12345678"}', { authorization: 'Bearer kw_root_unknown' });
    expectError(res, 401, 'unkey/authentication/key_not_found');
  });
});

describe('error content type', () => {
  it('application/json unless Accept asks for problem+json, application/* or */*', async () => {
    const cases: Array<[string | undefined, string]> = [
      ['application/json', 'application/json'],
      [undefined, 'application/json'],
      ['text/html', 'application/json'],
      ['*/*', 'application/problem+json'],
      ['application/*', 'application/problem+json'],
      ['application/problem+json', 'application/problem+json'],
      ['application/json, */*;q=0.1', 'application/problem+json'],
    ];
    for (const [accept, expected] of cases) {
      const headers: Record<string, string> = { authorization: 'Bearer kw_root_unknown', ...(accept ? { accept } : {}) };
      const unauthorized = await post('apis.getApi', '{"apiId": "api_12345678"}', headers);
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.contentType.split(';')[0], `Accept: ${accept}`).toBe(expected);
      const missing = await request('GET', '/nope', { headers: accept ? { accept } : {} });
      expect(missing.contentType.split(';')[0], `404, Accept: ${accept}`).toBe(expected);
    }
  });

  it('successes are application/json even when Accept is */*', async () => {
    const res = await post('apis.createApi', '{"name": "negotiated"}', { accept: '*/*' });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
  });
});

describe('request ids', () => {
  it('every answer carries its own req_ id, success or error', async () => {
    const responses = await Promise.all([
      request('GET', '/v2/liveness'),
      request('GET', '/nope'),
      post('apis.createApi', '{"name": "ids one"}'),
      post('apis.createApi', '{"name": "ids two"}'),
      post('apis.createApi', '{'),
      post('apis.getApi', '{"apiId": "api_12345678"}', { authorization: 'Bearer nope' }),
    ]);
    const ids = responses.map((r) => r.body.meta.requestId);
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
