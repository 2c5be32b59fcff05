import { useEffect, useState } from 'react';

/**
 * The dashboard's routes, in the browser: every path under /dashboard/ is answered by index.html (src/http/dashboard-site.ts),
 * and this module picks the page from the location. A few routes, no nesting: a router library would add more than it saves.
 */
export const BASE = '/dashboard';

export type Route =
  | 'setup'
  | 'sign-in'
  | 'mfa'
  | 'enrol'
  | 'apis'
  | 'keys'
  | 'api-settings'
  | 'key'
  | 'home'
  | 'not-found'
  | 'identities'
  | 'identity'
  | 'ratelimits'
  | 'namespace'
  | 'analytics'
  | 'permissions'
  | 'root-keys'
  | 'audit'
  | 'webhooks'
  | 'settings';

const ROUTES: Record<string, Route> = {
  '': 'home',
  setup: 'setup',
  'sign-in': 'sign-in',
  mfa: 'mfa',
  enrol: 'enrol',
  apis: 'apis',
  analytics: 'analytics',
  identities: 'identities',
  ratelimits: 'ratelimits',
  permissions: 'permissions',
  'root-keys': 'root-keys',
  audit: 'audit',
  webhooks: 'webhooks',
  settings: 'settings',
};

/** The ids in an address: `apis/<apiId>/keys` (an API's keys) and `apis/<apiId>/keys/<keyId>` (one key). */
const KEYS_PATH = /^apis\/([^/]+)\/keys(?:\/([^/]+))?$/;
/** One API's settings: `apis/<apiId>/settings`. */
const API_SETTINGS_PATH = /^apis\/([^/]+)\/settings$/;
/** One identity (`identities/<identityId>`) and one rate-limit namespace (`ratelimits/<namespaceId>`). */
const IDENTITY_PATH = /^identities\/([^/]+)$/;
const NAMESPACE_PATH = /^ratelimits\/([^/]+)$/;

function restOf(pathname: string): string {
  return (pathname.startsWith(`${BASE}/`) ? pathname.slice(BASE.length + 1) : '').replace(/\/+$/, '');
}

export function routeOf(pathname: string): Route {
  const rest = restOf(pathname);
  const keysPath = KEYS_PATH.exec(rest);
  if (keysPath) return keysPath[2] ? 'key' : 'keys';
  if (API_SETTINGS_PATH.test(rest)) return 'api-settings';
  if (IDENTITY_PATH.test(rest)) return 'identity';
  if (NAMESPACE_PATH.test(rest)) return 'namespace';
  return ROUTES[rest] ?? 'not-found';
}

/** The API and key ids of the current address (see KEYS_PATH); empty strings where it names none. */
export function routeIds(pathname: string = location.pathname): { apiId: string; keyId: string } {
  const match = KEYS_PATH.exec(restOf(pathname));
  return { apiId: match ? decodeURIComponent(match[1] ?? '') : '', keyId: match?.[2] ? decodeURIComponent(match[2]) : '' };
}

/** The API id of a settings address (API_SETTINGS_PATH); '' where it names none. */
export function settingsApiIdOf(pathname: string = location.pathname): string {
  const match = API_SETTINGS_PATH.exec(restOf(pathname));
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

/** The identity id or the namespace id the current address names (IDENTITY_PATH, NAMESPACE_PATH); '' where it names none. */
export function pathParam(route: 'identity' | 'namespace', pathname: string = location.pathname): string {
  const match = (route === 'identity' ? IDENTITY_PATH : NAMESPACE_PATH).exec(restOf(pathname));
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

export const pathOf = (route: Exclude<Route, 'home' | 'not-found' | 'keys' | 'key' | 'identity' | 'namespace' | 'api-settings'>) =>
  `${BASE}/${route}`;
export const keysPathOf = (apiId: string) => `${BASE}/apis/${encodeURIComponent(apiId)}/keys`;
export const apiSettingsPathOf = (apiId: string) => `${BASE}/apis/${encodeURIComponent(apiId)}/settings`;
export const identityPathOf = (identityId: string) => `${BASE}/identities/${encodeURIComponent(identityId)}`;
export const namespacePathOf = (namespaceId: string) => `${BASE}/ratelimits/${encodeURIComponent(namespaceId)}`;
export const keyPathOf = (apiId: string, keyId: string) => `${keysPathOf(apiId)}/${encodeURIComponent(keyId)}`;

const CHANGED = 'keyward:navigate';

/** Goes to `path` without reloading; `replace` keeps the current entry out of the history (redirects). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGED));
}

/** The current address's path, updated on navigate() and on the browser's back and forward. */
export function usePathname(): string {
  const [pathname, setPathname] = useState(() => location.pathname);
  useEffect(() => {
    const update = () => setPathname(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return pathname;
}

/** The current route, updated on navigate() and on the browser's back and forward. */
export function useRoute(): Route {
  return routeOf(usePathname());
}
