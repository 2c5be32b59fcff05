/**
 * Strict-Transport-Security on every HTTPS answer (issue 11, defences): a browser that once reached Keyward over
 * HTTPS refuses plain HTTP to it for a year, so a root key typed into a dashboard cannot be downgraded onto the wire
 * in clear. Never sent over plain HTTP, where it means nothing (RFC 6797, 7.2). No `includeSubDomains`: Keyward does
 * not know what else is served under its domain.
 */
export const HSTS_NAME = 'Strict-Transport-Security';
export const HSTS_VALUE = 'max-age=31536000';
/** The same, as the headers of an answer written by hand (client-errors.ts). */
export const HSTS_HEADERS: Readonly<Record<string, string>> = Object.freeze({ [HSTS_NAME]: HSTS_VALUE });
