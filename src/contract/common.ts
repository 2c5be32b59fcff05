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

export const ErrorEnvelope = Type.Object({
  meta: Meta,
  error: Type.Object({
    title: Type.String(),
    detail: Type.String(),
    status: Type.Integer(),
    type: Type.String(),
    errors: Type.Optional(Type.Array(FieldProblem)),
  }),
});

/**
 * The error envelope as a shared schema: the app registers it once (`app.addSchema`) and every error response
 * references it, so openapi.json holds it once, as `#/components/schemas/ErrorEnvelope`, instead of once per
 * operation and status. Errors are serialized with JSON.stringify (src/http/errors.ts); the reference only
 * documents them, and fast-json-stringify resolves it against the shared schema when it compiles a route.
 */
export const ERROR_ENVELOPE_ID = 'ErrorEnvelope';
export const SharedErrorEnvelope = { ...ErrorEnvelope, $id: ERROR_ENVELOPE_ID };
export const ErrorEnvelopeRef = { $ref: `${ERROR_ENVELOPE_ID}#` };

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

/** A strict request object. */
export const RequestObject = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });

/** Unix time in milliseconds, bounded like upstream (up to 2100-01-01). */
export const UnixMs = (description: string) => Type.Integer({ minimum: 0, maximum: 4102444800000, description });
