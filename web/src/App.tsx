import { type ComponentType, lazy, Suspense, useEffect } from 'react';
import { Link } from './components/Link';
import { Loading } from './components/Loading';
import { PageChunkBoundary } from './components/PageChunkBoundary';
import { PageHeading } from './components/PageHeading';
import { loadPageChunk } from './page-chunk';
import { SignInPage } from './pages/SignInPage';
import { navigate, pathOf, pathParam, type Route, routeIds, routeOf, settingsApiIdOf, usePathname } from './router';
import { useSession } from './session';
import { Shell } from './shell/Shell';

/**
 * Every page but sign-in is its own chunk, fetched when its route is first shown: the sign-in page, what a visitor meets
 * first, then loads only React, the session and its form (issue 15: interactive in under a second), and uPlot comes
 * only with the pages that draw charts. The chunks are files under /dashboard/assets/, so the CSP's script-src 'self'
 * covers them (src/http/dashboard-site.ts). A chunk gone since the tab was opened (an upgrade) reloads the page once
 * (./page-chunk.ts); failing still, PageChunkBoundary says so with a Reload button.
 */
function lazyPage<Module, Props>(load: () => Promise<Module>, pick: (module: Module) => ComponentType<Props>) {
  return lazy(async () => ({ default: pick(await loadPageChunk(load)) }));
}

const SetupPage = lazyPage(
  () => import('./pages/SetupPage'),
  (m) => m.SetupPage,
);
const VerifyMfaPage = lazyPage(
  () => import('./pages/VerifyMfaPage'),
  (m) => m.VerifyMfaPage,
);
const EnrolMfaPage = lazyPage(
  () => import('./pages/EnrolMfaPage'),
  (m) => m.EnrolMfaPage,
);
const ApisPage = lazyPage(
  () => import('./pages/ApisPage'),
  (m) => m.ApisPage,
);
const AnalyticsPage = lazyPage(
  () => import('./pages/analytics/AnalyticsPage'),
  (m) => m.AnalyticsPage,
);
const SettingsPage = lazyPage(
  () => import('./pages/settings/SettingsPage'),
  (m) => m.SettingsPage,
);
const KeysPage = lazyPage(
  () => import('./pages/KeysPage'),
  (m) => m.KeysPage,
);
const ApiSettingsPage = lazyPage(
  () => import('./pages/apis/ApiSettingsPage'),
  (m) => m.ApiSettingsPage,
);
const KeyDetailPage = lazyPage(
  () => import('./pages/KeyDetailPage'),
  (m) => m.KeyDetailPage,
);
const IdentitiesPage = lazyPage(
  () => import('./pages/identities/IdentitiesPage'),
  (m) => m.IdentitiesPage,
);
const IdentityDetailPage = lazyPage(
  () => import('./pages/identities/IdentityDetailPage'),
  (m) => m.IdentityDetailPage,
);
const NamespacesPage = lazyPage(
  () => import('./pages/ratelimits/NamespacesPage'),
  (m) => m.NamespacesPage,
);
const NamespacePage = lazyPage(
  () => import('./pages/ratelimits/NamespacePage'),
  (m) => m.NamespacePage,
);
const PermissionsPage = lazyPage(
  () => import('./pages/permissions/PermissionsPage'),
  (m) => m.PermissionsPage,
);
const RootKeysPage = lazyPage(
  () => import('./pages/root-keys/RootKeysPage'),
  (m) => m.RootKeysPage,
);
const AuditLogPage = lazyPage(
  () => import('./pages/audit/AuditLogPage'),
  (m) => m.AuditLogPage,
);
const WebhooksPage = lazyPage(
  () => import('./pages/webhooks/WebhooksPage'),
  (m) => m.WebhooksPage,
);

/** Puts the address bar where the session says the operator is (sign-in, a pending MFA step, or inside). */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

const PUBLIC: readonly Route[] = ['setup', 'sign-in', 'home'];

/** Which page the session allows at this address; anything else redirects to the page it does allow. */
export function App() {
  const pathname = usePathname();
  const route = routeOf(pathname);

  return (
    <PageChunkBoundary>
      <Suspense fallback={<Loading label="Loading…" block />}>
        <Screen route={route} pathname={pathname} />
      </Suspense>
    </PageChunkBoundary>
  );
}

/** The screen for this address and session: an authentication step, a redirect, or the shell around a page. */
function Screen({ route, pathname }: { route: Route; pathname: string }) {
  const { status } = useSession();
  if (status.kind === 'loading') return <Loading label="Loading Keyward…" block />;

  if (status.kind === 'signed-out') {
    if (route === 'setup') return <SetupPage />;
    if (route !== 'sign-in') return <Redirect to={pathOf('sign-in')} />;
    return <SignInPage {...(status.notice ? { notice: status.notice } : {})} setupRequired={status.setupRequired ?? false} />;
  }

  const { session } = status;
  if (session.state === 'pending_mfa') return route === 'mfa' ? <VerifyMfaPage /> : <Redirect to={pathOf('mfa')} />;
  if (session.state === 'pending_enrolment') return route === 'enrol' ? <EnrolMfaPage /> : <Redirect to={pathOf('enrol')} />;
  // (Enrolment stays on screen after its code is confirmed until the recovery codes are saved: the page reads the session
  // again only then, so until then it is still pending_enrolment here.)
  if (PUBLIC.includes(route) || route === 'mfa' || route === 'enrol') return <Redirect to={pathOf('apis')} />;
  return (
    <Shell session={session} route={route}>
      {/* Inside the shell, so its navigation stays on screen while a page's chunk loads, or when it cannot. */}
      <PageChunkBoundary key={pathname}>
        <Suspense fallback={<Loading block />}>
          <Page route={route} pathname={pathname} />
        </Suspense>
      </PageChunkBoundary>
    </Shell>
  );
}

/** The signed-in page at this address; a key page is keyed by its address, so another key's page starts afresh. */
function Page({ route, pathname }: { route: Route; pathname: string }) {
  const { apiId, keyId } = routeIds(pathname);
  if (route === 'apis') return <ApisPage />;
  if (route === 'analytics') return <AnalyticsPage />;
  if (route === 'settings') return <SettingsPage />;
  if (route === 'keys') return <KeysPage key={pathname} apiId={apiId} />;
  if (route === 'api-settings') return <ApiSettingsPage key={pathname} apiId={settingsApiIdOf(pathname)} />;
  if (route === 'key') return <KeyDetailPage key={pathname} apiId={apiId} keyId={keyId} />;
  if (route === 'identities') return <IdentitiesPage />;
  if (route === 'identity') return <IdentityDetailPage key={pathname} identityId={pathParam('identity', pathname)} />;
  if (route === 'ratelimits') return <NamespacesPage />;
  if (route === 'namespace') return <NamespacePage key={pathname} namespaceId={pathParam('namespace', pathname)} />;
  if (route === 'permissions') return <PermissionsPage />;
  if (route === 'root-keys') return <RootKeysPage />;
  if (route === 'audit') return <AuditLogPage />;
  if (route === 'webhooks') return <WebhooksPage />;
  return <NotFound />;
}

function NotFound() {
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>
        Nothing lives at this address. <Link href={pathOf('apis')}>Go to your APIs</Link>
      </p>
    </>
  );
}
