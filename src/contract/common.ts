import { Type, type TSchema } from 'typebox';

/**
 * Building blocks shared by every operation's schemas. Request objects reject unknown fields
 * (additionalProperties: false) as upstream does; response objects list exactly what may be sent,
 * and Fastify's serializer drops anything else (so an internal field such as a hash cannot leak).
 */

export const Meta = Type.Object({ requestId: Type.String() }, { additionalProperties: false });

/** The 200 envelope around an operation's `data`. */
export function envelope(data: TSchema) {
  return Type.Object({ meta: Meta, data }, { additionalProperties: false });
}

export const Pagination = Type.Object(
  {
    hasMore: Type.Boolean(),
    cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` to fetch the next page; absent on the last page.' })),
  },
  { additionalProperties: false },
);

export function paginatedEnvelope(item: TSchema) {
  return Type.Object({ meta: Meta, data: Type.Array(item), pagination: Pagination }, { additionalProperties: false });
}

export const FieldProblem = Type.Object({
  location: Type.String(),
  message: Type.String(),
  fix: Type.Optional(Type.String()),
});

const ErrorFields = {
  title: Type.String(),
  detail: Type.String(),
  status: Type.Integer(),
  type: Type.String(),
};

/** Every error body: `errors` is sent on 400, 408, 413 and 431 (src/http/errors.ts) and may be sent on others. */
export const ErrorEnvelope = Type.Object({
  meta: Meta,
  error: Type.Object({ ...ErrorFields, errors: Type.Optional(Type.Array(FieldProblem)) }),
});

/** A 400's body: `errors` is always there, empty when no one field is to blame, as upstream's BadRequestErrorResponse. */
export const BadRequestErrorEnvelope = Type.Object({
  meta: Meta,
  error: Type.Object({ ...ErrorFields, errors: Type.Array(FieldProblem) }),
});

/**
 * The error envelopes as shared schemas: the app registers them once (`app.addSchema`) and every error response
 * references one (a 400 the bad-request envelope, any other status the base one), so openapi.json holds each once, as
 * `#/components/schemas/<id>`, instead of once per operation and status. Errors are serialized with JSON.stringify
 * (src/http/errors.ts); the references only document them, and fast-json-stringify resolves them against the shared
 * schemas when it compiles a route.
 */
export const SharedErrorEnvelopes = [
  { ...ErrorEnvelope, $id: 'ErrorEnvelope' },
  { ...BadRequestErrorEnvelope, $id: 'BadRequestErrorEnvelope' },
];
/** The error body a status answers, as a reference to its shared envelope. */
export const errorEnvelopeRef = (status: number) => ({ $ref: `${status === 400 ? 'BadRequestErrorEnvelope' : 'ErrorEnvelope'}#` });

/** Free-form JSON object (`meta`); arrays and scalars are refused. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 100 });
export const JsonObjectOut = Type.Record(Type.String(), Type.Unknown());

/** The cursor the rate-limit (namespaces, overrides) and root-key lists accept: the last id on the previous page. */
export const PageCursor = Type.String({
  minLength: 1,
  maxLength: 1024,
  pattern: '^[a-zA-Z0-9_]+$',
  description: '`pagination.cursor` of the previous page.',
});

export const EmptyData = Type.Object({}, { additionalProperties: false });

export const ResourceId = (description: string, minLength = 3) =>
  Type.String({ minLength, maxLength: 255, pattern: '^[a-zA-Z0-9_]+$', description });

/**
 * A request field with a default. Optional on the wire: openapi.json leaves it out of `required`, so a client generated
 * from it may omit the field. Ajv's `useDefaults` (AJV_OPTIONS in src/http/verify-lane.ts, both request paths) writes
 * the default into the body before any handler runs, so the handler's type (the body after validation) keeps it required.
 */
export function Defaulted<T extends TSchema>(schema: T): T {
  // Without a default, the field would reach the handler absent while its type says present.
  if (!('default' in schema)) throw new Error('Defaulted: the schema has no default');
  return Type.Optional(schema) as unknown as T;
}

/**
 * A string that is one of `values`, as a plain `enum` in openapi.json (a union of literals would be an anyOf of consts,
 * which generators turn into clumsy types). With `type: string`, responses keep fast-json-stringify's string path.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A strict request object. */
export const RequestObject = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });

/** Unix time in milliseconds, bounded like upstream (up to 2100-01-01). */
export const UnixMs = (description: string) => Type.Integer({ minimum: 0, maximum: 4102444800000, description });
