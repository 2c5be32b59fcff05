import { useCallback, useEffect, useState } from 'react';
import { type ApiSettings, apiSettings } from '../../api/api-settings';
import { Link } from '../../components/Link';
import { LoadFailed } from '../../components/LoadFailed';
import { Loading } from '../../components/Loading';
import { PageHeading } from '../../components/PageHeading';
import { pathOf } from '../../router';
import { useSession } from '../../session';
import { ApiNavigation } from './ApiNavigation';
import { ApiSettingsForm } from './ApiSettingsForm';
import { ApiSettingsValues } from './ApiSettingsValues';

type Loaded = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; settings: ApiSettings };

/** One API's Keyward settings (apiSettings.getSettings): a form for those who may change them, the values for read-only operators. */
export function ApiSettingsPage({ apiId }: { apiId: string }) {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const [state, setState] = useState<Loaded>({ kind: 'loading' });

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      setState({ kind: 'loaded', settings: await apiSettings.get(apiId) });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  }, [apiId]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <p>
        <Link href={pathOf('apis')}>← APIs</Link>
      </p>
      <PageHeading>API settings</PageHeading>
      <ApiNavigation apiId={apiId} current="settings" />
      <p className="lead">
        Settings of API <code>{apiId}</code>: how its keys are stored, created and verified, and whether it may be deleted.
      </p>
      {state.kind === 'loading' && <Loading label="Loading settings…" block />}
      {state.kind === 'failed' && <LoadFailed error={state.error} onRetry={load} />}
      {state.kind === 'loaded' &&
        (readOnly ? (
          <ApiSettingsValues settings={state.settings} />
        ) : (
          <ApiSettingsForm settings={state.settings} onSaved={(settings) => setState({ kind: 'loaded', settings })} />
        ))}
    </>
  );
}
