import type { VERIFY_CODES } from '../../contract/keys.js';
import type { identityData } from '../../contract/views/keys.js';
import type { Meta } from '../../storage/store.js';

/** What verification is asked and what it answers: shared by the service, its helpers and the verify lane. */

/** One of the contract's VERIFY_CODES (src/contract/keys.ts), which openapi.json states as verify's `code` enum. */
export type VerifyCode = (typeof VERIFY_CODES)[number];

/**
 * One entry of the request's `ratelimits`: with both `limit` and `duration` an ad-hoc limit, otherwise
 * the name of one of the key's (or its identity's) configured limits.
 */
export interface VerifyRatelimitRequest {
  name: string;
  /** Default 1; 0 only checks. */
  cost?: number;
  limit?: number;
  duration?: number;
}

/** The request fields verification reads. */
export interface VerifyKeyInput {
  key: string;
  /** Recorded with the verification's analytics event, as sent. */
  tags?: string[];
  permissions?: string;
  credits?: { cost: number };
  ratelimits?: readonly VerifyRatelimitRequest[];
  /** Also look for a key imported under this migration when the ordinary lookup misses (migrated-keys.ts). */
  migrationId?: string;
}

/** How one evaluated limit came out (docs/unkey-compatibility.md, "Verification request and answer"). Ad-hoc limits have id "" and autoApply false. */
export interface VerifyRatelimitResult {
  exceeded: boolean;
  id: string;
  name: string;
  limit: number;
  duration: number;
  reset: number;
  remaining: number;
  autoApply: boolean;
}

/** The key's own fields, carried by every answer except NOT_FOUND. Absent means "none": clients reject null. */
export interface VerifiedKeyFields {
  keyId: string;
  enabled: boolean;
  name?: string;
  meta?: Meta;
  expires?: number;
  permissions?: string[];
  roles?: string[];
  identity?: ReturnType<typeof identityData>;
}

/** Any answer about a found key. `credits` is present iff the key is limited: what is left after this call. */
export interface KeyVerification extends VerifiedKeyFields {
  valid: boolean;
  code: Exclude<VerifyCode, 'NOT_FOUND'>;
  credits?: number;
  /** Present iff at least one rate limit was evaluated. */
  ratelimits?: VerifyRatelimitResult[];
}

export type VerifyKeyResult = { readonly valid: false; readonly code: 'NOT_FOUND' } | KeyVerification;
