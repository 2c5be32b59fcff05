/**
 * A small program written against the client a user generates from openapi.json: `openapi-typescript` makes the
 * `paths` types, `openapi-fetch` the client. `keyward-openapi` is not a package: test/openapi-client.test.ts generates
 * it from the committed openapi.json and compiles this file against it (so tsconfig.test.json leaves this file out),
 * then runs it against a live server. Every call is typed by the document: a request field the document wrongly
 * requires, or a response field it does not declare, fails the compilation.
 */
import createClient from 'openapi-fetch';
import type { paths } from 'keyward-openapi';

type VerifyCode = paths['/v2/keys.verifyKey']['post']['responses'][200]['content']['application/json']['data']['code'];
type BadRequest = paths['/v2/apis.createApi']['post']['responses'][400]['content']['application/json'];

export interface ClientRun {
  apiId: string;
  keyIds: string[];
  verification: { valid: boolean; code: VerifyCode; keyId: string | undefined; credits: number | undefined };
  /** The key ids of each page of apis.listKeys, in order. */
  pages: string[][];
  /** A 400's `errors`, as "location: message". */
  badRequest: { status: number; problems: string[] };
}

/** A 400's field problems: `errors` is required on a 400 body, so this compiles only while the document says so. */
const problems = (body: BadRequest): string[] => body.error.errors.map((e) => `${e.location}: ${e.message}`);

export async function runClient(baseUrl: string, rootKey: string): Promise<ClientRun> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${rootKey}` } });

  const api = await client.POST('/v2/apis.createApi', { body: { name: 'generated-client' } });
  if (api.data === undefined) throw new Error(`apis.createApi: ${JSON.stringify(api.error)}`);
  const apiId = api.data.data.apiId;

  // No `enabled`, `recoverable` or `byteLength`: fields with a default may be left out.
  const keyIds: string[] = [];
  let firstKey = '';
  for (let i = 0; i < 5; i += 1) {
    const created = await client.POST('/v2/keys.createKey', {
      body: { apiId, prefix: 'gen', name: `key ${i}`, credits: { remaining: 10, refill: { interval: 'daily', amount: 10 } } },
    });
    if (created.data === undefined) throw new Error(`keys.createKey: ${JSON.stringify(created.error)}`);
    keyIds.push(created.data.data.keyId);
    if (i === 0) firstKey = created.data.data.key;
  }

  const verified = await client.POST('/v2/keys.verifyKey', {
    body: { key: firstKey, ratelimits: [{ name: 'calls', limit: 5, duration: 60_000 }] },
  });
  if (verified.data === undefined) throw new Error(`keys.verifyKey: ${JSON.stringify(verified.error)}`);
  const { valid, code, keyId, credits } = verified.data.data;

  // apis.listKeys two at a time, following the cursor; `decrypt` and `revalidateKeysCache` left to their defaults.
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await client.POST('/v2/apis.listKeys', { body: { apiId, limit: 2, ...(cursor === undefined ? {} : { cursor }) } });
    if (page.data === undefined) throw new Error(`apis.listKeys: ${JSON.stringify(page.error)}`);
    pages.push(page.data.data.map((key) => key.keyId));
    cursor = page.data.pagination.hasMore ? page.data.pagination.cursor : undefined;
  } while (cursor !== undefined && pages.length <= keyIds.length);

  // An empty name breaks the schema's minLength, which the types cannot express: the server answers the typed 400.
  const refused = await client.POST('/v2/apis.createApi', { body: { name: '' } });
  if (refused.error === undefined || refused.response.status !== 400)
    throw new Error(`apis.createApi with an empty name: ${refused.response.status}`);
  const badRequest = { status: refused.response.status, problems: problems(refused.error as BadRequest) };

  return { apiId, keyIds, verification: { valid, code, keyId, credits }, pages, badRequest };
}
