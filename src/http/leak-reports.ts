import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { KeywardError } from '../core/errors.js';
import { errorEnvelopeRef } from '../contract/common.js';
import type { Services } from '../services/index.js';
import { MAX_FIELD_LENGTH, MAX_LEAK_REPORT_BYTES, MAX_TOKEN_LENGTH, MAX_TOKENS_PER_REPORT } from '../services/leak-reports/report.js';
import { clientIp, type ProxyTrust } from './client-ip.js';

const LeakFeedback = Type.Array(
  Type.Object(
    {
      token_hash: Type.String({ description: 'SHA-256 of the reported token, hex: the token itself is never sent back.' }),
      token_type: Type.String({ description: 'The `type` the report gave.' }),
      label: Type.Enum(['true_positive', 'false_positive'], {
        description: 'true_positive: a live key of this server; false_positive: none (or deleted).',
      }),
    },
    { additionalProperties: false },
  ),
);

const optionalText = (description: string) =>
  Type.Optional(Type.Union([Type.String({ maxLength: MAX_FIELD_LENGTH }), Type.Null()], { description }));

/**
 * The body as GitHub sends it, for the OpenAPI document only: the route never validates `request.body` against it (the
 * bytes are read raw, as the signature covers them exactly, and checked by services/leak-reports/report.ts, parseReport,
 * after the signature). Other fields GitHub may add are ignored.
 */
const LeakReportBody = Type.Array(
  Type.Object({
    token: Type.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH, description: 'The string found: looked up as a key of this server.' }),
    type: Type.String({ minLength: 1, maxLength: MAX_FIELD_LENGTH, description: "The scanner's name for the pattern that matched." }),
    url: optionalText('Where it was found (stored with the leak).'),
    source: optionalText('What kind of place it was found in, e.g. `content`, `commit`, `npm` (stored with the leak).'),
  }),
  { minItems: 1, maxItems: MAX_TOKENS_PER_REPORT },
);

/** The raw bytes of each report, kept apart from `request.body` so the JSON hooks of every other route do not walk them. */
const rawBodies = new WeakMap<FastifyRequest, Buffer>();

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
};

/**
 * POST /v2/leaks.report: GitHub's secret-scanning partner protocol (services/leak-reports/service.ts). Not an operation
 * of the envelope kind: the body is read as bytes (the signature covers them exactly), no root key is asked for (the
 * signature authenticates), and the answer is the protocol's bare array. Registered in a scope of its own, whose
 * parser reads at most MAX_LEAK_REPORT_BYTES. Without KEYWARD_LEAK_REPORT_KEYS it answers route_not_found.
 */
export function registerLeakReports(app: FastifyInstance, deps: { services: Services; trustProxy: ProxyTrust; bodyLimit: number }) {
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: Math.min(MAX_LEAK_REPORT_BYTES, deps.bodyLimit) },
      (request, body, done) => {
        rawBodies.set(request, body as Buffer);
        done(null, undefined);
      },
    );
    // `body` below documents the report; nothing here validates against it: `request.body` stays undefined, and the
    // raw bytes are checked after their signature (parseReport). Only this scope's one route is concerned.
    scope.setValidatorCompiler(() => () => true);
    scope.post('/v2/leaks.report', {
      schema: {
        operationId: 'leaks.report',
        tags: ['leaks'],
        summary: "Report leaked keys (GitHub's secret-scanning partner protocol)",
        description:
          'Keyward-only. The body is a JSON array of `{token, type, url, source}` (at most 1000), signed: ' +
          '`Github-Public-Key-Identifier` names a key of KEYWARD_LEAK_REPORT_KEYS and `Github-Public-Key-Signature` is the ' +
          'base64 DER ECDSA P-256 SHA-256 signature of the body as sent. Each token found is recorded as a leak of its key ' +
          '(keys.getKey `leaks`, audit event `key.leaked`) and the key is disabled unless its API has `leakPolicy: "report"`. ' +
          'A body received in the last 24 hours answers 409. Answers without KEYWARD_LEAK_REPORT_KEYS: 404.',
        security: [],
        body: LeakReportBody,
        response: {
          200: LeakFeedback,
          ...Object.fromEntries([400, 401, 404, 409, 413, 429, 500, 503].map((status) => [status, errorEnvelopeRef(status)])),
        },
      },
      handler: async (request) => {
        const leakReports = deps.services.leakReports;
        if (!leakReports)
          throw new KeywardError('route_not_found', 'Leak reports are not received here: KEYWARD_LEAK_REPORT_KEYS is unset.');
        return leakReports.receive({
          body: rawBodies.get(request) ?? Buffer.alloc(0),
          keyIdentifier: header(request, 'github-public-key-identifier'),
          signature: header(request, 'github-public-key-signature'),
          requestId: String(request.id),
          sourceIp: clientIp(request.raw, deps.trustProxy),
          userAgent: request.headers['user-agent'] ?? null,
        });
      },
    });
  });
}
