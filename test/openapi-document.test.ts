import { readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';

/**
 * openapi.json must be good enough to generate a client from, as Unkey's is (issue 13, "The OpenAPI document").
 * These tests read the committed file, which test/openapi.test.ts holds equal to the served document.
 */
const readDocument = () => JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
const doc = readDocument();

/** Every schema object in the document with its JSON pointer. */
function schemas(node: unknown, at = '#', out: { at: string; schema: any }[] = []): { at: string; schema: any }[] {
  if (node === null || typeof node !== 'object') return out;
  out.push({ at, schema: node });
  for (const [key, value] of Object.entries(node)) schemas(value, `${at}/${key}`, out);
  return out;
}

const requestBody = (operation: string) => doc.paths[`/v2/${operation}`].post.requestBody.content['application/json'].schema;
const okBody = (operation: string) => doc.paths[`/v2/${operation}`].post.responses['200'].content['application/json'].schema;

describe('openapi.json for client generators', () => {
  it('lists no field that has a default as required: a client may leave it out and the server fills it in', () => {
    const defaulted: string[] = [];
    const requiredWithDefault: string[] = [];
    for (const { at, schema } of schemas(doc)) {
      if (schema.properties === undefined || typeof schema.properties !== 'object') continue;
      for (const [name, property] of Object.entries<any>(schema.properties)) {
        if (property?.default === undefined) continue;
        defaulted.push(`${at}/${name}`);
        if ((schema.required ?? []).includes(name)) requiredWithDefault.push(`${at}/${name}`);
      }
    }
    expect(requiredWithDefault).toEqual([]);
    // The fields the issue names are among them, so the check above has something to check.
    const names = new Set(defaulted.map((at) => at.split('/').at(-1)));
    for (const name of ['enabled', 'recoverable', 'decrypt', 'permanent', 'revalidateKeysCache', 'limit', 'cost', 'autoApply']) {
      expect(names, name).toContain(name);
    }
    // byteLength has no fixed default (the API's default byte length applies, else 16): optional all the same.
    expect(requestBody('keys.createKey').required).toEqual(['apiId']);
    expect(requestBody('keys.createKey').properties.byteLength).toBeDefined();
  });

  it('states request enums as plain enums, never as unions of constants', () => {
    const unions = schemas(doc)
      .filter(({ schema }) => Array.isArray(schema.anyOf ?? schema.oneOf))
      .filter(({ schema }) => (schema.anyOf ?? schema.oneOf).some((branch: any) => branch.const !== undefined || branch.enum?.length === 1))
      .map(({ at }) => at);
    expect(unions).toEqual([]);
    expect(requestBody('keys.updateCredits').properties.operation).toMatchObject({
      type: 'string',
      enum: ['set', 'increment', 'decrement'],
    });
    const refill = requestBody('keys.createKey').properties.credits.properties.refill.anyOf[0];
    expect(refill.properties.interval).toMatchObject({ type: 'string', enum: ['daily', 'monthly'] });
    expect(requestBody('keyMigrations.createMigration').properties.algorithm).toMatchObject({
      type: 'string',
      enum: ['sha256_base64', 'sha256_hex', 'prefixed_api_key'],
    });
  });

  it("keeps the response enums: verify's code and a refill's interval", () => {
    expect(okBody('keys.verifyKey').properties.data.properties.code).toMatchObject({
      type: 'string',
      enum: ['VALID', 'NOT_FOUND', 'FORBIDDEN', 'INSUFFICIENT_PERMISSIONS', 'USAGE_EXCEEDED', 'RATE_LIMITED', 'DISABLED', 'EXPIRED'],
    });
    for (const operation of ['keys.getKey', 'keys.whoami']) {
      expect(okBody(operation).properties.data.properties.credits.properties.refill.properties.interval, operation).toMatchObject({
        type: 'string',
        enum: ['daily', 'monthly'],
      });
    }
    expect(okBody('apis.listKeys').properties.data.items.properties.credits.properties.refill.properties.interval.enum).toEqual([
      'daily',
      'monthly',
    ]);
  });

  it("documents leaks.report's body as GitHub sends it: an array of matches, token and type required", () => {
    const body = requestBody('leaks.report');
    expect(body).toMatchObject({ type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', required: ['token', 'type'] } });
    expect(Object.keys(body.items.properties)).toEqual(['token', 'type', 'url', 'source']);
  });

  it('passes a standard OpenAPI 3.1 validator (@readme/openapi-parser)', async () => {
    const result = await validate(readDocument());
    expect(result).toMatchObject({ valid: true, specification: 'OpenAPI' });
    expect(result.warnings).toEqual([]);
    // The validator does refuse a broken document: a response without its required description.
    const broken = readDocument();
    delete broken.paths['/v2/keys.getKey'].post.responses['200'].description;
    expect((await validate(broken)).valid).toBe(false);
  });
});
