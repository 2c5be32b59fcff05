import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, setCredentials, whenSessionLost } from './api/client';
import { dashboard, type Session, type Workspace } from './api/dashboard';

/**
 * Who is signed in, as dashboard.getSession tells it, and which workspace the operator acts in. The workspace choice is
 * kept in localStorage (an id, nothing secret) so a reload stays in the same workspace.
 */

export type SessionStatus =
  | { kind: 'loading' }
  /** `notice` says why the operator is signed out when it is not the first visit (expired session, server error). */
  | { kind: 'signed-out'; notice?: string; setupRequired?: boolean }
  | { kind: 'signed-in'; session: Session };

interface SessionContextValue {
  status: SessionStatus;
  workspace: Workspace | undefined;
  /** Reads the session again (after a sign-in step). */
  refresh(): Promise<void>;
  chooseWorkspace(id: string): void;
  /** Forgets the session on this page (after sign-out), with a notice for the sign-in page. */
  signedOut(notice?: string): void;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

const WORKSPACE_KEY = 'keyward.workspace';

function storedWorkspace(): string | null {
  try {
    return localStorage.getItem(WORKSPACE_KEY);
  } catch {
    return null;
  }
}

function pickWorkspace(session: Session, wanted: string | null): Workspace | undefined {
  return session.workspaces.find((w) => w.id === wanted) ?? session.workspaces[0];
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>({ kind: 'loading' });
  const [workspaceId, setWorkspaceId] = useState<string | null>(storedWorkspace);

  const signedOut = useCallback((notice?: string) => {
    setCredentials(undefined, undefined);
    setStatus(notice ? { kind: 'signed-out', notice } : { kind: 'signed-out' });
  }, []);

  const refresh = useCallback(async () => {
    try {
      const session = await dashboard.getSession();
      setStatus({ kind: 'signed-in', session });
    } catch (error) {
      // 401: no session, the ordinary first visit. Anything else is worth saying on the sign-in page.
      const notice =
        error instanceof ApiError && error.status === 401
          ? undefined
          : `The server could not tell whether you are signed in: ${(error as Error).message}`;
      setCredentials(undefined, undefined);
      // Asked now, before the sign-in page shows, so its first-run hint is there from the first paint instead of
      // pushing the form down once it arrives (a layout shift). A failure only leaves the hint out.
      const setupRequired = await dashboard
        .getSetupStatus()
        .then((answer) => answer.setupRequired)
        .catch(() => false);
      setStatus({ kind: 'signed-out', ...(notice ? { notice } : {}), setupRequired });
    }
  }, []);

  useEffect(() => {
    void refresh();
    whenSessionLost(() => signedOut('Your session has ended. Sign in again.'));
  }, [refresh, signedOut]);

  const workspace = status.kind === 'signed-in' ? pickWorkspace(status.session, workspaceId) : undefined;
  // Set before children render, so their first calls already carry the token and the workspace.
  if (status.kind === 'signed-in') setCredentials(status.session.csrfToken, workspace?.id);

  const chooseWorkspace = useCallback((id: string) => {
    setWorkspaceId(id);
    try {
      localStorage.setItem(WORKSPACE_KEY, id);
    } catch {
      // Storage refused (private mode): the choice lasts until the page is reloaded.
    }
  }, []);

  const value = useMemo(
    () => ({ status, workspace, refresh, chooseWorkspace, signedOut }),
    [status, workspace, refresh, chooseWorkspace, signedOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
