import { type ReactNode, useState } from 'react';
import { dashboard, type Session } from '../api/dashboard';
import { ErrorMessage } from '../components/ErrorMessage';
import { Link } from '../components/Link';
import type { Route } from '../router';
import { useSession } from '../session';
import { SECTIONS } from './navigation';
import { WorkspaceSwitcher } from './WorkspaceSwitcher';

/** The signed-in frame: header (workspace, operator, sign-out), the sections' navigation, and the page. */
export function Shell({ session, route, children }: { session: Session; route: Route; children: ReactNode }) {
  const { workspace, chooseWorkspace, signedOut } = useSession();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const signOut = async (everywhere: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await (everywhere ? dashboard.signOutEverywhere() : dashboard.signOut());
      signedOut(everywhere ? 'You are signed out on every device.' : 'You are signed out.');
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <div className="shell">
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Keyward</span>
        <WorkspaceSwitcher workspaces={session.workspaces} current={workspace} onChange={chooseWorkspace} />
        <span className="operator" title="Signed in as">
          {session.operator.email}
        </span>
        <span className="signout">
          <button type="button" className="secondary" disabled={busy} onClick={() => signOut(false)}>
            Sign out
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => signOut(true)}>
            Sign out everywhere
          </button>
        </span>
      </header>
      <nav className="sections" aria-label="Sections">
        <ul>
          {SECTIONS.map((section) => (
            <li key={section.route}>
              <Link href={section.href} aria-current={section.route === route ? 'page' : undefined}>
                {section.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" className="content">
        <ErrorMessage error={error} />
        {/* Each workspace's page starts afresh: nothing of one workspace stays on screen in another. */}
        <div key={workspace?.id ?? 'none'}>{children}</div>
      </main>
    </div>
  );
}
