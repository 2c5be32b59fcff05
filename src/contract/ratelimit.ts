import { Type } from 'typebox';
import { Defaulted, PageCursor, RequestObject } from './common.js';

/**
 * ratelimit.* (Unkey v2; docs/unkey-compatibility.md, "ratelimit") and Keyward's ratelimitNamespaces.* (namespace management,
 * which Unkey v2 leaves to its dashboard). A namespace is addressed by name or by `rlns_` id.
 */

const Namespace = Type.String({ minLength: 1, maxLength: 512, description: 'The namespace name, or its `rlns_...` id.' });
const Identifier = Type.String({ minLength: 1, maxLength: 512, description: 'Who is limited: a user id, an IP address, a key id...' });
const Pattern = Type.String({
  minLength: 1,
  maxLength: 512,
  description: 'An identifier, or a pattern where `*` matches any run of characters (`premium_*`).',
});
const Duration = Type.Integer({ minimum: 1000, maximum: 2_592_000_000, description: 'Window length in milliseconds (1 s to 30 days).' });
/** Counts stay exact as JSON numbers and in Redis only up to 2^53 - 1. */
const Count = (minimum: number, description: string) => Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, description });

export const LimitBody = RequestObject({
  namespace: Namespace,
  identifier: Identifier,
  limit: Count(1, 'Most cost admitted per window (an override replaces it).'),
  duration: Duration,
  cost: Defaulted(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      default: 1,
      description: 'What this call uses up; 0 checks without counting.',
    }),
  ),
});

export const LimitData = Type.Object({
  limit: Type.Integer({ description: "The limit applied: the override's when one matched." }),
  remaining: Type.Integer(),
  reset: Type.Integer({ description: 'When the current window ends (Unix ms).' }),
  success: Type.Boolean(),
  overrideId: Type.Optional(Type.String({ description: 'The override that applied; absent when none did.' })),
});

export const MultiLimitBody = Type.Array(LimitBody, {
  minItems: 1,
  maxItems: 100,
  description: 'Checked together: the costs count only if every check passes.',
});

export const MultiLimitData = Type.Object({
  passed: Type.Boolean({ description: 'Whether every check passed (and so was counted).' }),
  limits: Type.Array(
    Type.Object({
      namespace: Type.String({ description: 'As given in the request.' }),
      identifier: Type.String(),
      limit: Type.Integer(),
      remaining: Type.Integer(),
      reset: Type.Integer(),
      passed: Type.Boolean(),
      overrideId: Type.Optional(Type.String()),
    }),
  ),
});

export const SetOverrideBody = RequestObject({
  namespace: Namespace,
  identifier: Pattern,
  limit: Count(0, 'The limit for matching identifiers; 0 blocks them.'),
  duration: Duration,
});
export const SetOverrideData = Type.Object({ overrideId: Type.String() });

export const GetOverrideBody = RequestObject({ namespace: Namespace, identifier: Identifier });

export const OverrideData = Type.Object({
  overrideId: Type.String(),
  duration: Type.Integer(),
  identifier: Type.String({ description: "The override's identifier or pattern." }),
  limit: Type.Integer(),
});

export const ListOverridesBody = RequestObject({
  namespace: Namespace,
  cursor: Type.Optional(PageCursor),
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Most overrides per page.' })),
});

export const DeleteOverrideBody = RequestObject({
  namespace: Namespace,
  identifier: Type.String({ minLength: 1, maxLength: 512, description: 'The exact identifier or pattern the override was set with.' }),
});

export const ListNamespacesBody = RequestObject({
  cursor: Type.Optional(PageCursor),
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Most namespaces per page.' })),
});

export const NamespaceData = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.Integer({ description: 'Unix ms.' }),
  updatedAt: Type.Optional(Type.Integer({ description: 'Unix ms of the last change to the namespace or its overrides; absent if none.' })),
});

export const RenameNamespaceBody = RequestObject({
  namespace: Namespace,
  name: Type.String({ minLength: 1, maxLength: 512, description: 'The new name; no other live namespace may have it.' }),
});

export const DeleteNamespaceBody = RequestObject({ namespace: Namespace });
