import type { IncomingMessage } from 'node:http';

/** The dashboard's session cookie (decision 0015): HttpOnly, SameSite=Strict, Path=/, Secure when served over TLS. */
export const SESSION_COOKIE = 'keyward_session';
export const CSRF_HEADER = 'x-keyward-csrf';
export const WORKSPACE_HEADER = 'x-keyward-workspace';

/** The session token the request's Cookie header carries, if any (the first, should a client send several). */
export function sessionToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** One header's value as a string, or undefined (Node joins repeated custom headers with ', ', which then never matches). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

const attributes = (secure: boolean) => `; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;

/** Sets the session cookie, for the browser's session: the server ends it sooner (idle and absolute expiry). */
export const setSessionCookie = (token: string, secure: boolean): string => `${SESSION_COOKIE}=${token}${attributes(secure)}`;

export const clearSessionCookie = (secure: boolean): string => `${SESSION_COOKIE}=; Max-Age=0${attributes(secure)}`;
