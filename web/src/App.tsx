import { useEffect } from 'react';
import { Link } from './components/Link';
import { Loading } from './components/Loading';
import { PageHeading } from './components/PageHeading';
import { AnalyticsPage } from './pages/analytics/AnalyticsPage';
import { ApisPage } from './pages/ApisPage';
import { ApiSettingsPage } from './pages/apis/ApiSettingsPage';
import { AuditLogPage } from './pages/audit/AuditLogPage';
import { EnrolMfaPage } from './pages/EnrolMfaPage';
import { IdentitiesPage } from './pages/identities/IdentitiesPage';
import { IdentityDetailPage } from './pages/identities/IdentityDetailPage';
import { KeyDetailPage } from './pages/KeyDetailPage';
import { KeysPage } from './pages/KeysPage';
import { NamespacePage } from './pages/ratelimits/NamespacePage';
import { NamespacesPage } from './pages/ratelimits/NamespacesPage';
import { PermissionsPage } from './pages/permissions/PermissionsPage';
import { RootKeysPage } from './pages/root-keys/RootKeysPage';
import { SetupPage } from './pages/SetupPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { SignInPage } from './pages/SignInPage';
import { VerifyMfaPage } from './pages/VerifyMfaPage';
import { WebhooksPage } from './pages/webhooks/WebhooksPage';
import { navigate, pathOf, pathParam, type Route, routeIds, routeOf, settingsApiIdOf, usePathname } from './router';
import { useSession } from './session';
import { Shell } from './shell/Shell';

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
      <Page route={route} pathname={pathname} />
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
