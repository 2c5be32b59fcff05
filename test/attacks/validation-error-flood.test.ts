import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../per-file-server.js';

/**
 * Found by the fuzzer (test/attacks/fuzz-operations.test.ts): Ajv with `allErrors` reports one problem per wrong array
 * item, and builds every one of them. A 2 MB body holding a million integers where strings belong cost about 6 s of
 * the event loop (every other request waited) and came back as a 72 MB error body with a million entries; the 10 MB
 * body limit allowed five times that. Now a body is validated up to its first problem, and only a small body is
 * validated again to list all of them (src/http/body-validation.ts).
 */

const ITEMS = 2_000_000;
const wrongItems = `[${Array(ITEMS).fill('1').join(',')}]`;

describe('an array of millions of wrong items: one quick 400, not millions of problems', () => {
  const t = useTestServer();
  const createKey = caller(t, 'keys.createKey');
  const verifyKey = caller(t, 'keys.verifyKey');

  it('keys.createKey: answered at once, the error lists a few problems', { timeout: 120_000 }, async () => {
    const { apiId } = (await t.call('apis.createApi', { name: 'flood' })).body.data;
    const started = performance.now();
    const res = await createKey(`{"apiId":"${apiId}","permissions":${wrongItems}}`);
    const took = performance.now() - started;
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
    expect(res.body.error.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body).length).toBeLessThan(10_000);
    // Before: about 12 s of validation alone on a quiet machine. Parsing 4 MB of JSON takes well under a second; the bound leaves room for a busy machine.
    expect(took).toBeLessThan(10_000);
  });

  it('keys.verifyKey (the verify lane, then Fastify): the same', { timeout: 120_000 }, async () => {
    const started = performance.now();
    const res = await verifyKey(`{"key":"kw_x","tags":${wrongItems}}`);
    const took = performance.now() - started;
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(10_000);
    expect(took).toBeLessThan(10_000);
  });

  it('a small body still lists every problem at once (docs/errors.md)', async () => {
    const res = await createKey({ apiId: 'a', byteLength: 3, permissions: [1, 'ok', 2], unknown: true });
    expect(res.status).toBe(400);
    const locations = res.body.error.errors.map((e: { location: string }) => e.location).sort();
    expect(locations).toEqual(['body', 'body.apiId', 'body.byteLength', 'body.permissions.0', 'body.permissions.2']);
  });
});
