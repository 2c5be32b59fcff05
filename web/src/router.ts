import { useEffect, useState } from 'react';

/**
 * The dashboard's routes, in the browser: every path under /dashboard/ is answered by index.html (src/http/dashboard-site.ts),
 * and this module picks the page from the location. A few routes, no nesting: a router library would add more than it saves.
 */
export const BASE = '/dashboard';

export type Route = 'setup' | 'sign-in' | 'mfa' | 'enrol' | 'apis' | 'home' | 'not-found';

const ROUTES: Record<string, Route> = {
  '': 'home',
  setup: 'setup',
  'sign-in': 'sign-in',
  mfa: 'mfa',
  enrol: 'enrol',
  apis: 'apis',
};

export function routeOf(pathname: string): Route {
  const rest = pathname.startsWith(`${BASE}/`) ? pathname.slice(BASE.length + 1) : '';
  return ROUTES[rest.replace(/\/+$/, '')] ?? 'not-found';
}

export const pathOf = (route: Exclude<Route, 'home' | 'not-found'>) => `${BASE}/${route}`;

const CHANGED = 'keyward:navigate';

/** Goes to `path` without reloading; `replace` keeps the current entry out of the history (redirects). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGED));
}

/** The current route, updated on navigate() and on the browser's back and forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return route;
}
