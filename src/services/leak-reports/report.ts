import { KeywardError, badInput } from '../../core/errors.js';

/** One reported match, as the reporter sent it. */
export interface ReportedToken {
  token: string;
  type: string;
  url: string | null;
  source: string | null;
}

/**
 * Tokens one report may name. A report is one scanner's batch of matches; a flood of them is bounded by this, the body
 * limit (MAX_LEAK_REPORT_BYTES) and the per-minute limit of the signing key (KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE).
 */
export const MAX_TOKENS_PER_REPORT = 1000;
/** The largest report body read; a thousand tokens with their URLs fit well within it. */
export const MAX_LEAK_REPORT_BYTES = 1024 * 1024;
/** Longest token looked up: Keyward keys are at most a 64-character prefix and 255 bytes in base58. */
export const MAX_TOKEN_LENGTH = 512;
/** Longest `type`, `url` or `source` kept: they are stored with the leak. */
export const MAX_FIELD_LENGTH = 2048;

/** The report's body, checked: a JSON array of 1-MAX_TOKENS_PER_REPORT objects each with a string `token` and `type`. */
export function parseReport(body: Buffer): ReportedToken[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new KeywardError('request_body_unreadable', 'The report is not valid JSON.');
  }
  if (!Array.isArray(value) || value.length === 0) throw badInput('The report must be a JSON array of one or more matches.');
  if (value.length > MAX_TOKENS_PER_REPORT) {
    throw badInput(`The report names ${value.length} tokens; at most ${MAX_TOKENS_PER_REPORT} are accepted in one report.`);
  }
  return value.map((entry, index) => reportedToken(entry, index));
}

function reportedToken(entry: unknown, index: number): ReportedToken {
  const at = `body[${index}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw badInput(`${at} must be an object.`);
  const { token, type, url, source } = entry as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw badInput(`${at}.token must be a string of 1 to ${MAX_TOKEN_LENGTH} characters.`);
  }
  if (typeof type !== 'string' || type.length === 0 || !storable(type)) {
    throw badInput(`${at}.type must be a string of 1 to ${MAX_FIELD_LENGTH} characters.`);
  }
  return { token, type, url: optionalText(url, `${at}.url`), source: optionalText(source, `${at}.source`) };
}

function optionalText(value: unknown, at: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !storable(value)) {
    throw badInput(`${at} must be a string of at most ${MAX_FIELD_LENGTH} characters.`);
  }
  return value;
}

/** Short enough, no NUL (PostgreSQL cannot store it) and well-formed UTF-16 (else stored altered): as core/json-bounds.ts. */
const storable = (text: string): boolean =>
  text.length <= MAX_FIELD_LENGTH && !text.includes('\0') && (text as string & { isWellFormed(): boolean }).isWellFormed();
