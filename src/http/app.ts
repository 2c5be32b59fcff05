import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { Type } from 'typebox';
import { KeywardError, badInput, type FieldProblem } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { jsonProblem } from '../core/json-bounds.js';
import type { Services } from '../services/index.js';
import { envelope, errorEnvelopeRef, Meta, paginatedEnvelope, SharedErrorEnvelopes } from '../contract/common.js';
import type { RootKeyAuthentication } from '../services/authentication.js';
import { admission, type Admit } from './admission.js';
import { proxyTrust } from './client-ip.js';
import { boundedValidatorCompiler } from './body-validation.js';
import { sendError, sendFailure } from './errors.js';
import type { OperationRoute } from './route.js';
import { ROUTES } from './routes/index.js';
import { WorkspaceRateLimit, type WorkspaceLimitDeps } from './workspace-limit.js';
import { registerMetrics, type Metrics } from './metrics.js';
import { registerDashboard } from './dashboard.js';
import { AJV_OPTIONS, LANE_OPERATIONS, replayedBody, withVerifyLane, type RequestHandler } from './verify-lane.js';
import { clientErrorHandler } from './client-errors.js';
import { HSTS_HEADERS, HSTS_NAME, HSTS_VALUE } from './hsts.js';
import { drainingResponse, type Draining } from './draining.js';
import { registerDashboardSite } from './dashboard-site.js';
import { registerLeakReports } from './leak-reports.js';
import type { Readiness } from '../services/readiness.js';

export interface AppOptions {
  services: Services;
  authentication: RootKeyAuthentication;
  bodyLimit: number;
  /** KEYWARD_TRUST_PROXY: true, false or the trusted proxies' addresses/ranges (client-ip.ts). Default false. */
  trustProxy?: boolean | readonly string[];
  /** Made before the app (server.ts), so whatever logs before the app exists has a logger; Fastify logs through it too. */
  logger: FastifyBaseLogger;
  version: string;
  /** The per-workspace API rate limit (docs/unkey-compatibility.md, "Workspace API rate limit"); absent: never limited. */
  workspaceLimit?: WorkspaceLimitDeps;
  /** PEM certificate and key: serve HTTPS, TLS 1.3 only (older versions are refused in the handshake). */
  tls?: { cert: Buffer; key: Buffer };
  /** How long a connection may take and how many may be open (KEYWARD_*_TIMEOUT_MS, KEYWARD_MAX_CONNECTIONS). */
  connections: ConnectionLimits;
  metrics: Metrics;
  /** Told of each call refused because the database is unavailable; logs the cause rate-limited (server.ts). */
  databaseFailures: { report(error: unknown): void };
  /** Set when the node begins to stop: answers then close their connections (draining.ts). */
  draining: Draining;
  /** What GET /v2/readiness reports. */
  readiness: Readiness;
  /** The built dashboard, served at /dashboard/ (KEYWARD_DASHBOARD_DIR; http/dashboard-site.ts). */
  dashboardDir: string;
  /** KEYWARD_PUBLIC_URL is https: the dashboard's cookie is Secure even when TLS ends at a proxy in front. */
  publicUrlIsHttps?: boolean;
  /** Set in a worker of `keyward start --workers N`: every answer names it in X-Keyward-Worker (src/cluster/). */
  workerIndex?: number;
}

export interface ConnectionLimits {
  /** From a request's first byte until its body is read; then 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** From a request's first byte until its headers are read (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; the server closes any further one at once. */
  maxConnections: number;
}

/**
 * Node's server timeouts (issue 11, finding 7): Fastify's defaults left `requestTimeout` at 0, so a client sending a
 * body one byte a second held its connection forever. Node checks them every `connectionsCheckingInterval` (30 s by
 * default, which would let a 10 s headers timeout run to 40 s): here a quarter of the headers timeout (the shorter of
 * the two), at most 1 s.
 */
function timeouts(limits: ConnectionLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Which worker of `keyward start --workers N` answered (operators and tests tell the workers apart by it). */
export const WORKER_HEADER = 'x-keyward-worker';

const DependencyState = Type.Enum(['ok', 'unavailable', 'timeout', 'unused', 'unchecked']);
const ReadinessData = Type.Object(
  { ready: Type.Boolean(), shuttingDown: Type.Boolean(), database: DependencyState, redis: DependencyState },
  { additionalProperties: false },
);

/** Turns Ajv's errors into the contract's `errors[]` entries. */
function fieldProblems(error: FastifyError): FieldProblem[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    const location = `body${v.instancePath.replaceAll('/', '.')}`;
    if (v.keyword === 'additionalProperties') {
      const field = String(params.additionalProperty);
      return { location, message: `unknown field '${field}'`, fix: `remove '${field}'; it is not part of this operation` };
    }
    return { location, message: `${v.keyword}: ${v.message ?? 'is invalid'}` };
  });
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const workspaceLimit = options.workspaceLimit && new WorkspaceRateLimit(options.workspaceLimit);
  const admissionDeps = {
    authentication: options.authentication,
    workspaceLimit,
    trustProxy: proxyTrust(options.trustProxy ?? false),
    operators: options.services.operatorAuthentication,
  };
  const tls = options.tls && { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.3' as const };
  // Every HTTPS answer carries HSTS, the verify lane's and the refusals of malformed requests included.
  const securityHeaders = tls ? HSTS_HEADERS : {};
  // The server is made here rather than by Fastify so that verifications and rate-limit calls can take the lane in front of it.
  const serverFactory = (fastify: RequestHandler) => {
    const lane = withVerifyLane(
      {
        services: options.services,
        admission: admissionDeps,
        metrics: options.metrics,
        bodyLimit: options.bodyLimit,
        logError: (fields, message) => options.logger.error(fields, message),
        databaseFailures: options.databaseFailures,
      },
      ROUTES.filter((route) => LANE_OPERATIONS.has(route.operation)),
      fastify,
    );
    const { workerIndex } = options;
    const served: RequestHandler =
      workerIndex === undefined
        ? lane
        : (req, res) => {
            res.setHeader(WORKER_HEADER, workerIndex);
            lane(req, res);
          };
    const handler: RequestHandler = tls
      ? (req, res) => {
          res.setHeader(HSTS_NAME, HSTS_VALUE);
          served(req, res);
        }
      : served;
    const serverOptions = { ...timeouts(options.connections), ServerResponse: drainingResponse(options.draining) };
    const server = tls ? createHttpsServer({ ...tls, ...serverOptions }, handler) : createHttpServer(serverOptions, handler);
    // Beyond it, Node closes each new connection at once: a flood of slow clients cannot take every file descriptor.
    server.maxConnections = options.connections.maxConnections;
    return server;
  };
  const serverOptions: FastifyServerOptions & { https?: object } = {
    serverFactory: serverFactory as never,
    // Only names the scheme in listen()'s address here: the factory above makes the HTTPS server.
    ...(tls ? { https: tls } : {}),
    loggerInstance: options.logger,
    // No per-request info lines: the verify path must not log; errors are logged where they are handled.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => newRequestId(),
    bodyLimit: options.bodyLimit,
    ajv: { customOptions: AJV_OPTIONS },
    // Bodies are validated at a bounded cost, however many of their values are wrong (body-validation.ts).
    schemaController: { compilersFactory: { buildValidator: boundedValidatorCompiler as never } },
    // Requests Node's parser refuses: logged by code only (never their raw bytes), answered with the error envelope.
    clientErrorHandler: clientErrorHandler({
      log: (fields, message) => options.logger.debug(fields, message),
      headers: securityHeaders,
    }),
    // A path that is not valid percent-encoding (or a parameter past its length): the envelope, not Fastify's body.
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return sendError(request, reply, 'invalid_input', error.message);
      }
      return sendFailure(request, reply, error, options.databaseFailures);
    },
  };
  // Fastify types an HTTPS instance apart; the routes and hooks below are the same for both.
  const app = Fastify(serverOptions) as unknown as FastifyInstance;

  // A body the verify lane read and then left to Fastify (it did not parse or validate) is read again from here.
  app.addHook('preParsing', (request, _reply, payload, done) => done(null, replayedBody(request.raw) ?? payload));

  // Depth, NUL characters and lone surrogates, checked in every body before its schema (core/json-bounds.ts).
  app.addHook('preValidation', (request, _reply, done) => {
    const problem = request.body === undefined ? undefined : jsonProblem(request.body);
    if (problem) done(badInput(`POST request body for '${request.url}' failed to validate schema`, [problem]));
    else done();
  });

  // Operations take JSON only. Fastify also parses text/plain by default, which let a text body reach
  // schema validation as a string ("must be object") instead of being refused as unreadable.
  app.removeContentTypeParser('text/plain');

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyward API',
        version: options.version,
        description:
          'Self-hosted API key management and rate limiting. Wire-compatible with Unkey v2: point `@unkey/api` at this server. ' +
          'Authenticate with `Authorization: Bearer <root key>`.',
      },
      components: {
        securitySchemes: {
          rootKey: { type: 'http', scheme: 'bearer' },
          // dashboard.* and, with x-keyward-csrf and x-keyward-workspace, every operation (docs/decisions/0015-operators-and-mfa.md).
          dashboardSession: { type: 'apiKey', in: 'cookie', name: 'keyward_session' },
        },
      },
    },
    // A shared schema (app.addSchema) becomes #/components/schemas/<its $id> rather than the default `def-<n>`.
    refResolver: {
      buildLocalReference: (json: { $id?: unknown }, _baseUri: unknown, _fragment: unknown, i: number) =>
        typeof json.$id === 'string' && /^[A-Za-z][\w.-]*$/.test(json.$id) ? json.$id : `def-${i}`,
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // Every error response references one of these two schemas (see registerOperation).
  for (const schema of SharedErrorEnvelopes) app.addSchema(schema);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof KeywardError) {
      if (error.headers) reply.headers(error.headers);
      return sendError(request, reply, error.code, error.detail, error.problems);
    }
    if (error.validation) {
      return sendError(
        request,
        reply,
        'invalid_input',
        `POST request body for '${request.url}' failed to validate schema`,
        fieldProblems(error),
      );
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(request, reply, 'request_body_too_large', `The request body is larger than ${options.bodyLimit} bytes.`);
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(request, reply, 'request_body_unreadable', 'The request body is not valid JSON.');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(request, reply, 'request_body_unreadable', 'Send the request body as JSON with Content-Type: application/json.');
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(request, reply, 'invalid_input', error.message);
    }
    return sendFailure(request, reply, error, options.databaseFailures);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      'route_not_found',
      `No route ${request.method} ${request.url.split('?')[0]}. Operations are POST /v2/<group>.<operation>.`,
    ),
  );

  app.get(
    '/v2/liveness',
    {
      schema: {
        hide: false,
        summary: 'Liveness probe (no authentication)',
        response: { 200: envelope(Type.Object({ message: Type.String() })) },
      },
    },
    async (request) => ({ meta: { requestId: String(request.id) }, data: { message: "we're cooking" } }),
  );
  app.get(
    '/v2/readiness',
    {
      schema: {
        hide: false,
        summary: 'Readiness probe (no authentication)',
        // The 503 is a probe's answer, not an error: the same body, so it is not declared with the error envelope.
        description:
          '200 when the database (and Redis, when configured) answer within 500 ms; 503 with the same body, naming what ' +
          'failed, while one does not or once the node is stopping. Load balancers should check this, not liveness.',
        response: { 200: envelope(ReadinessData) },
      },
    },
    async (request, reply: FastifyReply) => {
      const data = await options.readiness.check();
      return reply.code(data.ready ? 200 : 503).send({ meta: { requestId: String(request.id) }, data });
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerDashboardSite(app, options.dashboardDir);

  registerMetrics(app, options.metrics);
  const admit = admission<FastifyReply>(admissionDeps, (reply, name, value) => reply.header(name, value));
  for (const route of ROUTES) registerOperation(app, route, options, admit);
  registerLeakReports(app, { services: options.services, trustProxy: admissionDeps.trustProxy, bodyLimit: options.bodyLimit });
  registerDashboard(app, {
    services: options.services,
    trustProxy: admissionDeps.trustProxy,
    secureCookies: Boolean(tls) || options.publicUrlIsHttps === true,
  });
  return app;
}

function registerOperation(app: FastifyInstance, route: OperationRoute, options: AppOptions, admit: Admit<FastifyReply>): void {
  const [group] = route.operation.split('.');
  const response = route.metaOnly
    ? Type.Object({ meta: Meta }, { additionalProperties: false })
    : route.paginated
      ? paginatedEnvelope(route.data)
      : envelope(route.data);
  app.post(`/v2/${route.operation}`, {
    schema: {
      operationId: route.operation,
      tags: [group!],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: [{ rootKey: [] }],
      body: route.body,
      // Any operation may answer 429 when its workspace has an API rate limit.
      response: {
        200: response,
        ...Object.fromEntries([...new Set([...route.errors, 429])].map((status) => [status, errorEnvelopeRef(status)])),
      },
    },
    handler: async (request, reply) => {
      const ctx = await admit(request.raw, String(request.id), reply);
      const result: { data: unknown; pagination?: unknown; headers?: Record<string, string> } = await route.handle({
        body: request.body as never,
        ctx,
        services: options.services,
      });
      if (result.headers) reply.headers(result.headers);
      route.observe?.(result.data as never, options.metrics);
      const meta = { requestId: String(request.id) };
      if (route.metaOnly) return { meta };
      return result.pagination ? { meta, data: result.data, pagination: result.pagination } : { meta, data: result.data };
    },
  });
}
