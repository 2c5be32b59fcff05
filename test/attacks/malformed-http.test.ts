import { describe, expect, it } from 'vitest';
import { newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { rawExchange, type RawAnswer } from '../raw-http.js';

// Issue 11, finding 6: a request Node's HTTP parser refuses (two Content-Length headers, a bad header token, headers
// past the size limit) was logged at trace level with Node's `rawPacket`: the raw request bytes, root key and customer
// key included, written as a byte array so that a text search of the log missed them. Now only the error's code is
// logged. Finding 12 (first half): those requests were answered with Fastify's own body; now with the API's error
// envelope (docs/errors.md), wherever the connection still allows an answer.

const lines: string[] = [];
const t = useTestServer({ env: { KEYWARD_LOG_LEVEL: 'trace' }, logStream: { write: (line) => void lines.push(line) } });

/** Every text a log line holds, byte arrays and serialized Buffers decoded, so a secret cannot hide as numbers. */
function decodedTexts(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
      out.push(Buffer.from(value as number[]).toString('latin1'));
    } else for (const item of value) decodedTexts(item, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      out.push(name);
      decodedTexts(item, out);
    }
  }
  return out;
}

async function secrets(): Promise<{ rootKey: string; key: string }> {
  const { key } = await newKey(t, { apiId: await newApi(t) });
  return { rootKey: t.rootKey, key };
}

/** The malformed kinds, each carrying both secrets in its headers and body, and the answer each gets. */
function malformedRequests(rootKey: string, key: string): { kind: string; bytes: string; status: number; type: string }[] {
  const body = JSON.stringify({ key });
  const head = `POST /v2/keys.verifyKey HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${rootKey}\r\nContent-Type: application/json\r\n`;
  const invalid = 'https://unkey.com/docs/errors/unkey/application/invalid_input';
  return [
    {
      kind: 'two Content-Length headers',
      bytes: `${head}Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n\r\n${body}`,
      status: 400,
      type: invalid,
    },
    {
      kind: 'a bad header token',
      bytes: `${head}Bad Header: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      status: 400,
      type: invalid,
    },
    {
      kind: 'Content-Length with Transfer-Encoding',
      bytes: `${head}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      status: 400,
      type: invalid,
    },
    {
      kind: 'header overflow',
      bytes: `${head}X-Pad: ${'a'.repeat(20_000)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      status: 431,
      type: 'https://unkey.com/docs/errors/keyward/bad_request/request_headers_too_large',
    },
    {
      kind: 'a bad chunk size',
      bytes: `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
      status: 400,
      type: invalid,
    },
  ];
}

function expectEnvelope(answer: RawAnswer, status: number, type: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body);
  expect(body.meta.requestId).toMatch(/^req_[A-Za-z0-9]+$/);
  expect(body.error).toMatchObject({ status, type });
  expect(typeof body.error.title).toBe('string');
  expect(typeof body.error.detail).toBe('string');
  // Clients require `errors` on every 400 (docs/errors.md), possibly empty.
  expect(body.error.errors).toEqual([]);
}

describe('malformed HTTP requests carrying a root key and a customer key, at log level trace', () => {
  it('each is answered with the error envelope, and no log line holds either secret, even as bytes', async () => {
    const { rootKey, key } = await secrets();
    const port = Number(new URL(await t.listen()).port);
    for (const request of malformedRequests(rootKey, key)) {
      const logged = lines.length;
      const answer = await rawExchange(port, request.bytes);
      const written = lines.slice(logged);
      // The refusal is logged (by its code), so the check below reads what the server wrote about it.
      expect(written.join('\n'), request.kind).toMatch(/"code":"HPE_/);
      for (const line of written) {
        for (const text of [line, ...decodedTexts(JSON.parse(line))]) {
          expect(text.includes(rootKey), `${request.kind}: root key in ${line.slice(0, 200)}`).toBe(false);
          expect(text.includes(key), `${request.kind}: key in ${line.slice(0, 200)}`).toBe(false);
        }
      }
      expectEnvelope(answer, request.status, request.type);
    }
  });

  it('a path that is not valid percent-encoding is answered with the envelope too', async () => {
    const port = Number(new URL(await t.listen()).port);
    const answer = await rawExchange(port, 'GET /v2/%c0%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expectEnvelope(answer, 400, 'https://unkey.com/docs/errors/unkey/application/invalid_input');
  });

  it('an answer asked for as problem+json comes as problem+json', async () => {
    const port = Number(new URL(await t.listen()).port);
    const answer = await rawExchange(port, 'GET /v2/liveness HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nBad Header: x\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });

  it('a well-formed request on the same server is still answered', async () => {
    const port = Number(new URL(await t.listen()).port);
    const answer = await rawExchange(port, 'GET /v2/liveness HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data).toEqual({ message: "we're cooking" });
  });
});
