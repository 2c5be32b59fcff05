import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PassThrough, type Readable } from 'node:stream';
import fastJson from 'fast-json-stringify';
import { envelope } from '../contract/common.js';
import { KeywardError } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { jsonProblem } from '../core/json-bounds.js';
import type { Services } from '../services/index.js';
import { admission, type AdmissionDeps } from './admission.js';
import { boundedValidatorCompiler } from './body-validation.js';
import { answerFailure, errorBody, errorContentType } from './errors.js';
import type { Metrics } from './metrics.js';
import type { OperationRoute } from './route.js';

/**
 * The lane: the operations our users call in a loop from their own APIs (POST /v2/keys.verifyKey and
 * /v2/ratelimit.limit, LANE_OPERATIONS) answered straight from node:http, in front of Fastify.
 *
 * Verification sits in front of every request of our users' APIs, and Fastify's per-request machinery (request
 * and reply objects, hooks, the body parser's streams) cost more than the verification itself: a cached
 * verification took about 50 us of CPU through Fastify against 17 us for a bare node:http answer
 * (bench/RESULTS.md). ratelimit.limit is called the same way and paid the same (docs/decisions/0025). The lane
 * does the same work with nothing around it: the same route definition (its `handle` and `observe`), the same Ajv
 * validation (same compiler and options as Fastify's), the same authentication, workspace API limit, serializer
 * schema, error bodies and metrics.
 *
 * It answers only what it can answer exactly as Fastify would, and hands everything else to Fastify unchanged:
 * other routes, unusual content types or lengths, and bodies that are not valid JSON or do not validate. A body
 * already read is replayed to Fastify (`replayedBody`), which then answers its usual 400 or 413. So the lane adds
 * no behaviour of its own; test/verify-lane.test.ts holds the two paths to the same answers.
 */

/** Content types the lane takes; Fastify decides every other (it accepts more spellings, or refuses them). */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/** Ajv options for request bodies, shared with Fastify's so both paths validate alike. */
export const AJV_OPTIONS = {
  // Unknown fields are an error (not silently removed) and types are never coerced: "5" is not 5.
  removeAdditional: false,
  coerceTypes: false,
  // Infinity and NaN (JSON `1e309`) are not numbers: `strict: false` below would otherwise let them pass.
  strictNumbers: true,
  useDefaults: true,
  allErrors: true,
  strict: false,
} as const;

const REPLAY = Symbol('keyward.replayBody');
type Replayable = IncomingMessage & { [REPLAY]?: Buffer };

/** For Fastify's preParsing hook: the body the lane already read from this request, as a stream; else undefined. */
export function replayedBody(raw: IncomingMessage): Readable | undefined {
  const body = (raw as Replayable)[REPLAY];
  if (body === undefined) return undefined;
  const stream = new PassThrough();
  stream.end(body);
  return stream;
}

export interface VerifyLaneDeps {
  services: Services;
  /** The same admission as Fastify's routes (admission.ts), client IP rule included. */
  admission: AdmissionDeps;
  metrics: Metrics;
  bodyLimit: number;
  logError(fields: object, message: string): void;
  /** Told of each verification refused because the database is unavailable (rate-limited log, server.ts). */
  databaseFailures: { report(error: unknown): void };
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A request read, validated and waiting for the end of the event-loop turn to be answered. */
interface Waiting {
  req: IncomingMessage;
  res: ServerResponse;
  operation: LaneOperation;
  input: unknown;
  started: number;
}

/** The operations the lane answers (app.ts picks them from ROUTES): each called in a loop by our users' own APIs. */
export const LANE_OPERATIONS: ReadonlySet<string> = new Set(['keys.verifyKey', 'ratelimit.limit']);

/** One operation as the lane answers it: its route, and its body validator and answer serializer, compiled once. */
interface LaneOperation {
  path: string;
  route: OperationRoute;
  validate: (body: unknown) => boolean;
  serialize: (answer: unknown) => string;
}

function laneOperation(route: OperationRoute): LaneOperation {
  if (route.paginated || route.metaOnly) throw new Error(`${route.operation}: the lane answers only plain { meta, data } operations`);
  const path = `/v2/${route.operation}`;
  const validate = boundedValidatorCompiler(
    {},
    { customOptions: AJV_OPTIONS },
  )({ schema: route.body, method: 'POST', url: path, httpPart: 'body' });
  return { path, route, validate, serialize: fastJson(envelope(route.data) as never) as (answer: unknown) => string };
}

/** Wraps Fastify's request handler: the `operations` go through the lane, everything else straight to `fastify`. */
export function withVerifyLane(deps: VerifyLaneDeps, operations: readonly OperationRoute[], fastify: RequestHandler): RequestHandler {
  const byPath = new Map(operations.map((route) => [`/v2/${route.operation}`, laneOperation(route)]));
  const { services, metrics } = deps;
  const admit = admission<Record<string, string | number>>(deps.admission, (headers, name, value) => (headers[name] = value));

  const replay = (req: Replayable, res: ServerResponse, body: Buffer) => {
    req[REPLAY] = body;
    fastify(req, res);
  };

  const send = (
    res: ServerResponse,
    path: string,
    status: number,
    headers: Record<string, string | number>,
    payload: string,
    started: number,
  ) => {
    headers['content-length'] = Buffer.byteLength(payload);
    res.writeHead(status, headers);
    res.end(payload);
    metrics.request(path, status, (performance.now() - started) / 1000);
  };

  async function answer({ req, res, operation, input, started }: Waiting): Promise<void> {
    const requestId = newRequestId();
    const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8' };
    const { route, path } = operation;
    try {
      const ctx = await admit(req, requestId, headers);
      const result = await route.handle({ body: input as never, ctx, services });
      if (result.headers) Object.assign(headers, result.headers);
      route.observe?.(result.data as never, metrics);
      send(res, path, 200, headers, operation.serialize({ meta: { requestId }, data: result.data }), started);
    } catch (error) {
      let body;
      if (error instanceof KeywardError) {
        body = errorBody(requestId, error.code, error.detail, error.problems);
      } else {
        const failure = answerFailure(error, deps, { requestId });
        body = errorBody(requestId, failure.code, failure.detail);
      }
      headers['content-type'] = errorContentType(req.headers.accept);
      send(res, path, body.error.status, headers, JSON.stringify(body), started);
    }
  }

  /**
   * Verifications are answered together, once per turn of the event loop, after every request that arrived in
   * it has been read: the answers then go out back to back, and their promises settle in one microtask drain.
   * Answering each as soon as it was read cost about 40 us of CPU per cached verification against 22-24 us
   * this way (bench/RESULTS.md); a request waits for nothing but the others read in the same turn.
   */
  let waiting: Waiting[] = [];
  const answerWaiting = () => {
    const batch = waiting;
    waiting = [];
    for (const request of batch) {
      answer(request).catch((error: unknown) => {
        deps.logError({ err: error, operation: request.operation.route.operation }, 'lane failed to answer');
        request.res.destroy();
      });
    }
  };

  return (req, res) => {
    const operation = req.method === 'POST' ? byPath.get(req.url!) : undefined;
    if (operation === undefined) return fastify(req, res);
    const type = req.headers['content-type'];
    const length = Number(req.headers['content-length']);
    // Chunked bodies, missing or oversized lengths and other types are Fastify's to read and answer.
    if (
      type === undefined ||
      !JSON_TYPES.has(type.toLowerCase()) ||
      !(length <= deps.bodyLimit) ||
      req.headers['transfer-encoding'] !== undefined
    ) {
      return fastify(req, res);
    }
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const text = body.toString('utf8');
      // Fastify's parser refuses prototype-poisoning keys; such bodies are left to it.
      if (text.includes('__proto__') || text.includes('constructor')) return replay(req, res, body);
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch {
        return replay(req, res, body);
      }
      // The bounds every body keeps (core/json-bounds.ts), for what this schema cannot see: a NUL or a lone surrogate
      // can only come from a `\u` escape (raw NUL is invalid JSON, bad UTF-8 decodes to U+FFFD), so a body without
      // one skips the walk (about 0.3 us). Depth and numbers are the schemas': each lane operation types every field, 3 levels deep at most.
      if ((text.includes('\\u') && jsonProblem(input) !== undefined) || !operation.validate(input)) return replay(req, res, body);
      waiting.push({ req, res, operation, input, started });
      if (waiting.length === 1) setImmediate(answerWaiting);
    });
  };
}
