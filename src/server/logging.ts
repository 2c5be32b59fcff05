import { type Logger, pino } from 'pino';
import type { Config } from '../config.js';

/** Secrets that must never reach a log line, wherever pino finds them. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  'body.key',
  'key',
  'rootKey',
  'plaintext',
  // The dashboard's session cookie, CSRF header and the secrets dashboard.* bodies carry (decision 0015).
  'req.headers.cookie',
  'headers.cookie',
  'req.headers["x-keyward-csrf"]',
  'headers["x-keyward-csrf"]',
  'body.password',
  'password',
  'body.recoveryCode',
  'body.token',
  // A webhook endpoint's signing secret (webhooks.createEndpoint's answer, and the outbox rows the dispatcher reads).
  'secret',
  'data.secret',
];

/** The process's logger, secrets redacted; to `stream` instead of stdout when given (tests read their lines). */
export function createLogger(config: Readonly<Config>, stream?: { write(line: string): void }): Logger {
  const options = { level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } };
  return stream ? pino(options, stream) : pino(options);
}
