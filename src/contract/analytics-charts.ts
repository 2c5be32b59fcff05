import { Type } from 'typebox';
import { Defaulted, RequestObject, StringEnum, UnixMs } from './common.js';

/**
 * Keyward-only chart reads over the verification rollups (analytics.getVerificationTimeseries, analytics.getTopKeys,
 * analytics.getTopIdentities; src/services/analytics-charts.ts). Every filter narrows; none widens past the caller's
 * workspace and the APIs its `read_analytics` permissions cover.
 */

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9_]+$', description });

export const CHART_INTERVALS = ['minute', 'hour', 'day', 'month'] as const;

const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  minItems: 1,
  maxItems: 10,
  description: 'Only verifications that carried every one of these tags (as sent in keys.verifyKey `tags`).',
});

const Range = {
  start: UnixMs('Start of the range (Unix ms); the first bucket is the one it falls in.'),
  end: UnixMs('End of the range (Unix ms), not before `start`; the last bucket is the one it falls in.'),
};

export const VerificationTimeseriesBody = RequestObject({
  ...Range,
  interval: StringEnum(CHART_INTERVALS, {
    description: 'Bucket size; buckets are UTC minutes, hours, days or calendar months, read from the rollup of that grain.',
  }),
  apiId: Type.Optional(Id('Only this API (its keys).')),
  keyId: Type.Optional(Id('Only this key.')),
  identityId: Type.Optional(Id('Only verifications of keys of this identity (by its id).')),
  externalId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Only verifications of keys of the identity with this external id.' }),
  ),
  tags: Type.Optional(Tags),
});

export const TopUsageBody = RequestObject({
  ...Range,
  apiId: Type.Optional(Id('Only this API (its keys).')),
  tags: Type.Optional(Tags),
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'How many to answer, most used first.' })),
});

/** The count of each verify outcome, by the code in camelCase (`RATE_LIMITED` is `rateLimited`). */
const outcomeCounts = {
  total: Type.Integer({ description: 'Verifications, whatever their outcome.' }),
  valid: Type.Integer(),
  notFound: Type.Integer(),
  forbidden: Type.Integer(),
  insufficientPermissions: Type.Integer(),
  usageExceeded: Type.Integer(),
  rateLimited: Type.Integer(),
  disabled: Type.Integer(),
  expired: Type.Integer(),
  spentCredits: Type.Integer({ description: 'Credits the verifications took.' }),
};

export const VerificationPointData = Type.Object({
  time: Type.Integer({ description: 'UTC start of the bucket (Unix ms).' }),
  ...outcomeCounts,
  latencyAvg: Type.Number({ description: 'Mean verification latency inside Keyward (ms); 0 for an empty bucket.' }),
});

export const VerificationTimeseriesData = Type.Object({
  interval: StringEnum(CHART_INTERVALS),
  points: Type.Array(VerificationPointData, {
    description: 'One per bucket from `start` to `end`, oldest first; empty buckets are zeros.',
  }),
});

export const TopKeysData = Type.Object({
  keys: Type.Array(Type.Object({ keyId: Type.String(), apiId: Type.String(), ...outcomeCounts }), {
    description: 'Most verifications first (ties by key id).',
  }),
});

export const TopIdentitiesData = Type.Object({
  identities: Type.Array(Type.Object({ identityId: Type.String(), externalId: Type.String(), ...outcomeCounts }), {
    description: 'Most verifications first (ties by identity id).',
  }),
});
