import { resolve } from 'node:path';
import { isPostgresUrl } from '../core/database-url.js';
import type { SettingName } from '../settings.js';
import { text } from './parse.js';

/**
 * Connection URLs: the database settings (main, vault store, analytics file) and the Redis URL, checked apart from
 * the rest because a mistyped URL must be refused rather than taken for a file path, and masked when printed
 * because these values may carry a password.
 */

/** A redis:// or rediss:// URL with a host. */
export function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `scheme:` at the start of a value: a URL, or an attempt at one. One letter is left out: a drive (`C:`) is a path. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
/** A scheme Keyward reads whose `:` was lost (`postgres//host/db`): a relative path in form, a typo in fact. */
const SCHEME_WITHOUT_COLON = /^(postgres(ql)?|sqlite|rediss?)\/\//i;
const DATABASE_URL_FORMS = 'postgres://user:password@host:5432/database, or a SQLite file path (or sqlite:///path)';

/**
 * KEYWARD_DATABASE_URL or KEYWARD_VAULT_DATABASE_URL: a well-formed PostgreSQL URL that names a host and a database,
 * or a SQLite file path, made absolute. A value that looks like a URL but is not one of these is refused rather than
 * taken for a file path (issue 12, finding 7: `postgres:/broken` made a directory `./postgres:`), and a PostgreSQL URL
 * without a database is refused rather than left to default to the `postgres` database. Only the scheme is quoted back:
 * the value may hold a password.
 */
export function databaseSetting(env: NodeJS.ProcessEnv, name: SettingName, fallbackPath: string, problems: string[]): string {
  const raw = text(env, name);
  if (raw === '') return fallbackPath;
  const problem = (what: string) => {
    problems.push(`${name} ${what}`);
    return fallbackPath;
  };
  if (isPostgresUrl(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return problem('is not a valid URL');
    }
    // pg takes the host from the authority, or from `?host=` (a Unix socket directory).
    if (url.hostname === '' && !url.searchParams.get('host')) return problem(`names no host: write it as ${DATABASE_URL_FORMS}`);
    if (safeDecode(url.pathname.slice(1)) === '') {
      return problem(`names no database, and PostgreSQL would use the "postgres" database: write it as ${DATABASE_URL_FORMS}`);
    }
    return raw;
  }
  if (/^sqlite:\/\//i.test(raw)) {
    const path = raw.replace(/^sqlite:\/\//i, '');
    return path === '' ? problem('names no file after sqlite://') : resolve(path);
  }
  const scheme = SCHEME.exec(raw)?.[1] ?? SCHEME_WITHOUT_COLON.exec(raw)?.[1];
  if (scheme !== undefined) {
    const known = /^(postgres(ql)?|sqlite)$/i.test(scheme);
    return problem(
      known
        ? `looks like a mistyped "${scheme.toLowerCase()}://" URL; write it as ${DATABASE_URL_FORMS}`
        : `must be a postgres:// URL or a SQLite file path, got scheme "${scheme}"`,
    );
  }
  return resolve(raw);
}

/** A URL's percent-decoded part; a malformed escape is not empty. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** A URL with its password replaced; parsed rather than pattern-matched, so an `@` inside the password cannot leak the rest. */
export function maskPassword(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url; // a SQLite file path
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable URL]';
  }
}
