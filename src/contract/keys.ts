import { Type } from 'typebox';
import { MAX_COUNT, MAX_WINDOW_MS } from '../core/bounds.js';
import { Defaulted, JsonObject, JsonObjectOut, RequestObject, ResourceId, StringEnum, UnixMs } from './common.js';

/** Field rules shared by the key operations (limits from docs/unkey-compatibility.md, "Operations"). */
export const KeyIdField = ResourceId('The key id (`key_...`).');
export const ApiIdRef = ResourceId('The API id (`api_...`).');
export const ExternalIdField = Type.String({
  minLength: 1,
  maxLength: 255,
  // Anything printable, as upstream (`auth0|123`, e-mail addresses); control characters stay out of logs and audit names.
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
  description: 'Your id for the owner (user, org), such as `user_123`, `auth0|123` or an e-mail address; creates or links an identity.',
});
export const PermissionSlug = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9_:\\-\\.\\*]+$' });
/** A key prefix, as keys.createKey takes it and as an API's default prefix. */
export const KeyPrefix = (description: string) => Type.String({ minLength: 1, maxLength: 16, pattern: '^[a-zA-Z0-9_]+$', description });
/** A key's random part in bytes, as keys.createKey takes it and as an API's default byte length. */
export const KeyByteLength = (description: string) => Type.Integer({ minimum: 16, maximum: 255, description });
export const RoleName = Type.String({ minLength: 1, maxLength: 128 });
/** A rate-limit window of a key, an identity or an ad-hoc verification limit. */
const WindowMs = Type.Integer({ minimum: 1000, maximum: MAX_WINDOW_MS, description: 'Window length in milliseconds (1 s to 365 days).' });

export const REFILL_INTERVALS = ['daily', 'monthly'] as const;
const RefillInterval = StringEnum(REFILL_INTERVALS);

export const RefillIn = Type.Object(
  {
    interval: RefillInterval,
    amount: Type.Integer({ minimum: 1, maximum: MAX_COUNT, description: 'What `remaining` is set to at each refill.' }),
    refillDay: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 31, description: 'Monthly only: the day of the month (the last day in shorter months).' }),
    ),
  },
  { additionalProperties: false },
);

export const CreditsIn = Type.Object(
  {
    remaining: Type.Union([Type.Integer({ minimum: 0, maximum: MAX_COUNT }), Type.Null()], { description: 'null means unlimited.' }),
    refill: Type.Optional(Type.Union([RefillIn, Type.Null()])),
  },
  { additionalProperties: false },
);

/** updateKeyCredits as upstream: `remaining` may be left out to change only the refill (the balance stays). */
export const UpdateCreditsIn = Type.Object(
  {
    remaining: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: MAX_COUNT }), Type.Null()], {
        description: 'null means unlimited (which also clears the refill); absent leaves the balance as it is.',
      }),
    ),
    refill: Type.Optional(Type.Union([RefillIn, Type.Null()])),
  },
  { additionalProperties: false },
);

export const RatelimitIn = Type.Object(
  {
    name: Type.String({ minLength: 3, maxLength: 128 }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_COUNT }),
    duration: WindowMs,
    autoApply: Defaulted(Type.Boolean({ default: false, description: 'Checked on every verification, even when not named.' })),
  },
  // Other fields are ignored, as upstream: a limit read by keys.getKey (with its `id`) can be sent back as it is.
  { additionalProperties: true },
);

/** The longest sliding-expiry window: a year. */
const MAX_SLIDING_WINDOW_MS = 365 * 86_400_000;

const SlidingWindow = Type.Integer({
  minimum: 1000,
  maximum: MAX_SLIDING_WINDOW_MS,
  description: 'Keyward extension. Each VALID verification moves `expires` to at least then + this (ms); absent `expires`: now + this.',
});

export const CreateKeyBody = RequestObject({
  apiId: ApiIdRef,
  prefix: Type.Optional(KeyPrefix("Absent: the API's default prefix (apiSettings), else none.")),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  byteLength: Type.Optional(KeyByteLength("Absent: the API's default byte length (apiSettings), else 16.")),
  externalId: Type.Optional(ExternalIdField),
  meta: Type.Optional(JsonObject),
  roles: Type.Optional(Type.Array(RoleName, { maxItems: 100 })),
  permissions: Type.Optional(Type.Array(PermissionSlug, { maxItems: 1000 })),
  expires: Type.Optional(UnixMs('When the key stops verifying (Unix ms).')),
  credits: Type.Optional(CreditsIn),
  ratelimits: Type.Optional(Type.Array(RatelimitIn, { maxItems: 50 })),
  enabled: Defaulted(Type.Boolean({ default: true })),
  recoverable: Defaulted(Type.Boolean({ default: false })),
  oneTime: Type.Optional(
    Type.Boolean({
      description: 'Keyward extension. Exactly one VALID verification; later ones USAGE_EXCEEDED. Not with `credits`.',
    }),
  ),
  slidingExpiration: Type.Optional(SlidingWindow),
});
export const CreateKeyData = Type.Object({
  keyId: Type.String(),
  key: Type.String({ description: 'The key itself. Shown only in this response; Keyward keeps only its hash.' }),
});

export const RefillOut = Type.Object({
  interval: RefillInterval,
  amount: Type.Integer(),
  refillDay: Type.Optional(Type.Integer()),
});
export const CreditsOut = Type.Object({
  remaining: Type.Union([Type.Integer(), Type.Null()]),
  refill: Type.Optional(RefillOut),
});
export const RatelimitOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  limit: Type.Integer(),
  duration: Type.Integer(),
  autoApply: Type.Boolean(),
});
export const IdentityOut = Type.Object({
  id: Type.String(),
  externalId: Type.String(),
  meta: Type.Optional(JsonObjectOut),
  ratelimits: Type.Optional(Type.Array(RatelimitOut)),
});

/** Keyward-only: one reported leak of a key (POST /v2/leaks.report). */
export const KeyLeakOut = Type.Object({
  reportedAt: Type.Integer({ description: 'When the report was received (Unix ms).' }),
  reporter: Type.String({ description: 'The key identifier of the public key that signed the report.' }),
  tokenType: Type.String({ description: "The report's `type`." }),
  url: Type.Optional(Type.String({ description: 'Where the key was found, as the report says.' })),
  source: Type.Optional(Type.String({ description: 'The kind of place it was found in (content, commit, npm...).' })),
  action: Type.Enum(['disabled', 'reported'], {
    description: 'disabled: the key was disabled (its API\'s leakPolicy "disable"); reported: only recorded.',
  }),
});

/** A key as every read operation returns it. Optional fields are omitted, never null (clients reject null). */
export const KeyData = Type.Object({
  keyId: Type.String(),
  start: Type.String(),
  enabled: Type.Boolean(),
  createdAt: Type.Integer(),
  name: Type.Optional(Type.String()),
  meta: Type.Optional(JsonObjectOut),
  updatedAt: Type.Optional(Type.Integer()),
  lastUsedAt: Type.Optional(Type.Integer()),
  expires: Type.Optional(Type.Integer()),
  permissions: Type.Optional(Type.Array(Type.String())),
  roles: Type.Optional(Type.Array(Type.String())),
  credits: Type.Optional(CreditsOut),
  identity: Type.Optional(IdentityOut),
  plaintext: Type.Optional(Type.String()),
  ratelimits: Type.Optional(Type.Array(RatelimitOut)),
  oneTime: Type.Optional(Type.Boolean({ description: 'Keyward extension: present (true) on one-time keys.' })),
  consumedAt: Type.Optional(
    Type.Integer({ description: "Keyward extension: when a one-time key's one successful verification happened." }),
  ),
  slidingExpiration: Type.Optional(Type.Integer({ description: 'Keyward extension: the sliding-expiry window (ms).' })),
});

/** keys.getKey's key: the key as every read returns it, and its reported leaks (only here, so listings stay as upstream's). */
export const GetKeyData = Type.Object({
  ...KeyData.properties,
  leaks: Type.Optional(Type.Array(KeyLeakOut, { description: 'Keyward-only: the newest 20 reported leaks, newest first; absent: none.' })),
});

export const GetKeyBody = RequestObject({ keyId: KeyIdField, decrypt: Defaulted(Type.Boolean({ default: false })) });
export const WhoamiBody = RequestObject({ key: Type.String({ minLength: 1, maxLength: 512 }) });
export const DeleteKeyBody = RequestObject({ keyId: KeyIdField, permanent: Defaulted(Type.Boolean({ default: false })) });

export const UpdateKeyBody = RequestObject({
  keyId: KeyIdField,
  name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
  externalId: Type.Optional(Type.Union([ExternalIdField, Type.Null()])),
  meta: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  expires: Type.Optional(Type.Union([UnixMs('When the key stops verifying (Unix ms).'), Type.Null()])),
  credits: Type.Optional(Type.Union([UpdateCreditsIn, Type.Null()])),
  ratelimits: Type.Optional(Type.Array(RatelimitIn, { maxItems: 50 })),
  enabled: Type.Optional(Type.Boolean()),
  roles: Type.Optional(Type.Array(RoleName, { maxItems: 100 })),
  permissions: Type.Optional(Type.Array(PermissionSlug, { maxItems: 1000 })),
  slidingExpiration: Type.Optional(Type.Union([SlidingWindow, Type.Null()])),
});

export const UpdateCreditsBody = RequestObject({
  keyId: KeyIdField,
  operation: StringEnum(['set', 'increment', 'decrement']),
  value: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_COUNT }), Type.Null()])),
});

/** Other fields are ignored, as upstream does on this operation. */
export const RerollKeyBody = Type.Object(
  {
    keyId: KeyIdField,
    expiration: Type.Integer({
      minimum: 0,
      maximum: 4102444800000,
      description: 'Milliseconds from now until the old key stops verifying (rounded up to the minute).',
    }),
  },
  { additionalProperties: true },
);

export const ListKeysBody = RequestObject({
  apiId: Type.String({ minLength: 1, maxLength: 255 }),
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  search: Type.Optional(
    Type.String({
      maxLength: 256,
      description:
        'Keyward extension. Keys whose name contains it or whose `start` begins with it, ignoring case; trimmed (blank: no filter).',
    }),
  ),
  decrypt: Defaulted(Type.Boolean({ default: false })),
  revalidateKeysCache: Defaulted(Type.Boolean({ default: false })),
});

/** Entries of verify's `ratelimits`: upstream sets no bound; each one is a counter round trip, so Keyward keeps one. */
export const MAX_VERIFY_RATELIMITS = 100;

export const VerifyKeyBody = RequestObject({
  key: Type.String({ minLength: 1, maxLength: 512 }),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 20 })),
  permissions: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  credits: Type.Optional(Type.Object({ cost: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }) }, { additionalProperties: false })),
  ratelimits: Type.Optional(
    Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 3, maxLength: 255 }),
          cost: Defaulted(Type.Integer({ minimum: 0, maximum: MAX_COUNT, default: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COUNT })),
          duration: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: MAX_WINDOW_MS,
              description: 'Window length in milliseconds (0 to 365 days, as upstream; below 1 ms counts as a 1 ms window).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_VERIFY_RATELIMITS },
    ),
  ),
  migrationId: Type.Optional(Type.String({ maxLength: 256, description: 'An empty string means no migration, as upstream.' })),
});

/** verifyKey's outcomes, in the order its checks run (src/services/verify/types.ts takes its VerifyCode from here). */
export const VERIFY_CODES = [
  'VALID',
  'NOT_FOUND',
  'FORBIDDEN',
  'INSUFFICIENT_PERMISSIONS',
  'USAGE_EXCEEDED',
  'RATE_LIMITED',
  'DISABLED',
  'EXPIRED',
] as const;

export const VerifyRatelimitOut = Type.Object({
  exceeded: Type.Boolean(),
  id: Type.String(),
  name: Type.String(),
  limit: Type.Integer(),
  duration: Type.Integer(),
  reset: Type.Integer(),
  remaining: Type.Integer(),
  autoApply: Type.Boolean(),
});

export const VerifyKeyData = Type.Object({
  valid: Type.Boolean(),
  code: StringEnum(VERIFY_CODES),
  keyId: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  meta: Type.Optional(JsonObjectOut),
  expires: Type.Optional(Type.Integer()),
  credits: Type.Optional(Type.Integer({ description: 'Credits left after this verification.' })),
  enabled: Type.Optional(Type.Boolean()),
  permissions: Type.Optional(Type.Array(Type.String())),
  roles: Type.Optional(Type.Array(Type.String())),
  identity: Type.Optional(IdentityOut),
  ratelimits: Type.Optional(Type.Array(VerifyRatelimitOut)),
});
