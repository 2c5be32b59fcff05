import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { Type } from 'typebox';
import { VaultConfigError, VaultDecryptError } from './errors.js';
import {
  isLoopbackHost,
  MAX_PLAINTEXT_CHARS,
  MIN_VAULT_TOKEN_CHARS,
  type DecryptRequest,
  type EncryptRequest,
  type Vault,
} from './vault.js';

/**
 * `keyward vault serve`: the vault as a process of its own, so API nodes hold neither master keys nor
 * wrapped data keys. Every call but liveness needs `Authorization: Bearer <KEYWARD_VAULT_TOKEN>`.
 * HTTPS with TLS 1.3 as the minimum when a certificate is given; plain HTTP only on a loopback address.
 *
 * POST /v1/encrypt {workspaceId, keyId, plaintext} -> 200 {ciphertext, dekId}
 * POST /v1/decrypt {workspaceId, keyId, ciphertext} -> 200 {plaintext} | 422 {error: decryption_failed}
 * POST /v1/check   {}                                -> 200 {ok: true} (the token works)
 * GET  /v1/liveness                                  -> 200 {ok: true}
 * Request lines are not logged, bodies never; errors carry no detail that helps an attacker.
 */

export interface VaultServerOptions {
  vault: Vault;
  token: string;
  host: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  logLevel?: string;
  logStream?: { write(line: string): void };
}

export interface VaultServer {
  app: FastifyInstance;
  listen(): Promise<string>;
  close(): Promise<void>;
}

const Id = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9_]+$' });
const EncryptBody = Type.Object(
  { workspaceId: Id, keyId: Id, plaintext: Type.String({ minLength: 1, maxLength: MAX_PLAINTEXT_CHARS }) },
  { additionalProperties: false },
);
const DecryptBody = Type.Object(
  { workspaceId: Id, keyId: Id, ciphertext: Type.String({ minLength: 1, maxLength: 4 * MAX_PLAINTEXT_CHARS }) },
  { additionalProperties: false },
);
const EmptyBody = Type.Object({}, { additionalProperties: false });

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

const fail = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ error: { code, message } });

export async function createVaultServer(options: VaultServerOptions): Promise<VaultServer> {
  if (options.token.length < MIN_VAULT_TOKEN_CHARS)
    throw new VaultConfigError(`KEYWARD_VAULT_TOKEN must be at least ${MIN_VAULT_TOKEN_CHARS} characters`);
  if (!options.tls && !isLoopbackHost(options.host)) {
    throw new VaultConfigError(
      `The vault serves plain HTTP only on a loopback address, and KEYWARD_VAULT_HOST is ${options.host}: ` +
        'set KEYWARD_VAULT_TLS_CERT and KEYWARD_VAULT_TLS_KEY to serve HTTPS.',
    );
  }
  const expected = digest(options.token);
  const serverOptions: FastifyServerOptions & { https?: unknown } = {
    logger: {
      level: options.logLevel ?? 'info',
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'plaintext', 'body'], censor: '[redacted]' },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Unknown fields are an error, not silently dropped; types are never coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, strict: false } },
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.3' } } : {}),
  };
  const app = Fastify(serverOptions as FastifyServerOptions) as unknown as FastifyInstance;

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    // Compared as digests, in constant time: neither the length nor a prefix of the token leaks.
    if (!timingSafeEqual(digest(token), expected)) return fail(reply, 401, 'unauthorized', 'a valid bearer token is required');
  };

  app.setErrorHandler((error: { validation?: unknown; statusCode?: number }, request, reply) => {
    if (error instanceof VaultDecryptError) {
      // Which key, for the operator (ids only, validated by the schema); the caller learns nothing more.
      const { workspaceId, keyId } = (request.body ?? {}) as { workspaceId?: string; keyId?: string };
      request.log.warn({ workspaceId, keyId }, 'vault: decryption failed');
      return fail(reply, 422, 'decryption_failed', 'decryption failed');
    }
    if (error.validation) return fail(reply, 400, 'invalid_request', 'the request body does not match the schema');
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return fail(reply, error.statusCode, 'invalid_request', 'the request could not be read');
    }
    request.log.error({ errorName: (error as Error).name, message: (error as Error).message }, 'vault request failed');
    return fail(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((_request, reply) => fail(reply, 404, 'not_found', 'no such route'));

  app.get('/v1/liveness', async () => ({ ok: true }));
  // The versions let API nodes show which master keys are in use (dashboard.getVaultStatus); never a key.
  app.post('/v1/check', { onRequest: authenticate, schema: { body: EmptyBody } }, async () => ({
    ok: true,
    ...(await options.vault.status()),
  }));
  app.post('/v1/encrypt', { onRequest: authenticate, schema: { body: EncryptBody } }, async (request) => {
    const { ciphertext, dekId } = await options.vault.encrypt(request.body as EncryptRequest);
    return { ciphertext, dekId };
  });
  app.post('/v1/decrypt', { onRequest: authenticate, schema: { body: DecryptBody } }, async (request) => ({
    plaintext: await options.vault.decrypt(request.body as DecryptRequest),
  }));

  return {
    app,
    listen: () => app.listen({ port: options.port, host: options.host }),
    close: async () => {
      await app.close();
    },
  };
}
