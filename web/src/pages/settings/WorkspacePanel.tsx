import { ROLE_LABELS, settings, type WorkspaceSettings } from '../../api/settings';
import { LoadFailed } from '../../components/LoadFailed';
import { Loading } from '../../components/Loading';
import { useAnswer } from './use-answer';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function rateLimitText({ apiRateLimit }: WorkspaceSettings): string {
  if (apiRateLimit.perMinute === undefined) return 'Unlimited';
  const perMinute = `${apiRateLimit.perMinute.toLocaleString()} requests per minute`;
  return apiRateLimit.source === 'workspace' ? `${perMinute} (this workspace's own)` : `${perMinute} (the server's default)`;
}

/** The workspace the operator acts in: name, id, the operator's role, its API rate limit (read-only: the CLI sets it). */
export function WorkspacePanel() {
  const { answer, reload } = useAnswer(settings.getWorkspace);
  return (
    <section aria-labelledby="settings-workspace">
      <h2 id="settings-workspace">Workspace</h2>
      {answer.kind === 'loading' && <Loading label="Loading the workspace…" block />}
      {answer.kind === 'failed' && <LoadFailed error={answer.error} onRetry={reload} />}
      {answer.kind === 'loaded' && (
        <>
          <dl className="details">
            <dt>Name</dt>
            <dd>{answer.value.workspace.name}</dd>
            <dt>Id</dt>
            <dd>
              <code>{answer.value.workspace.id}</code>
            </dd>
            <dt>Created</dt>
            <dd>{when.format(answer.value.workspace.createdAt)}</dd>
            <dt>Your role</dt>
            <dd>{ROLE_LABELS[answer.value.role]}</dd>
            <dt>API rate limit</dt>
            <dd>{rateLimitText(answer.value)}</dd>
          </dl>
          <p className="hint">
            The API rate limit is changed on the server with <code>keyward workspace-limit</code> (or{' '}
            <code>KEYWARD_WORKSPACE_RATE_LIMIT</code> for every workspace); the dashboard shows it only.
          </p>
        </>
      )}
    </section>
  );
}
