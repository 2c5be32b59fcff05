import { useCallback, useEffect, useState } from 'react';
import { type Identity, identities } from '../../api/identities';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Link } from '../../components/Link';
import { LoadFailed } from '../../components/LoadFailed';
import { Loading } from '../../components/Loading';
import { PageHeading } from '../../components/PageHeading';
import { navigate, pathOf } from '../../router';
import { useSession } from '../../session';
import { useConfirmedAction } from '../confirmed-action';
import { byName, EditIdentityForm } from './EditIdentityForm';
import { MetaSection } from './MetaSection';
import { RatelimitsSection } from './RatelimitsSection';

type Loaded = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; identity: Identity };

/** One identity (identities.getIdentity): its external id, meta and limits; edit them, or delete it after a confirmation. */
export function IdentityDetailPage({ identityId }: { identityId: string }) {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [saved, setSaved] = useState(false);
  // Bumped after a save: the form starts again from what the server now holds.
  const [edits, setEdits] = useState(0);
  const deletion = useConfirmedAction(
    (identity: Identity) => identities.delete(identity.id),
    () => navigate(pathOf('identities')),
  );

  const load = useCallback(async () => {
    try {
      setLoaded({ kind: 'loaded', identity: await identities.get(identityId) });
    } catch (error) {
      setLoaded({ kind: 'failed', error });
    }
  }, [identityId]);
  useEffect(() => {
    void load();
  }, [load]);

  const back = (
    <p>
      <Link href={pathOf('identities')}>← Identities</Link>
    </p>
  );
  if (loaded.kind === 'loading') return <Loading label="Loading identity…" block />;
  if (loaded.kind === 'failed')
    return (
      <>
        {back}
        <PageHeading>Identity</PageHeading>
        <LoadFailed error={loaded.error} onRetry={load} />
      </>
    );
  const { identity } = loaded;

  return (
    <>
      {back}
      <PageHeading>Identity {identity.externalId}</PageHeading>

      <section aria-labelledby="identity-fields">
        <h2 id="identity-fields">Details</h2>
        <dl className="details">
          <dt>Id</dt>
          <dd>
            <code>{identity.id}</code>
          </dd>
          <dt>External id</dt>
          <dd>
            <code>{identity.externalId}</code>
          </dd>
        </dl>
      </section>

      <RatelimitsSection headingId="identity-limits" limits={byName(identity)} />

      <MetaSection headingId="identity-meta" meta={identity.meta} />

      {!readOnly && (
        <section aria-labelledby="identity-change">
          <h2 id="identity-change">Change this identity</h2>
          <p className="hint">Its keys see the change at once.</p>
          <EditIdentityForm
            key={edits}
            identity={identity}
            onSaving={() => setSaved(false)}
            onSaved={(next) => {
              setLoaded({ kind: 'loaded', identity: next });
              setEdits((count) => count + 1);
              setSaved(true);
            }}
          />
          {saved && (
            <p className="success" role="status">
              Changes saved.
            </p>
          )}

          <h3>Delete</h3>
          <div className="actions">
            <button type="button" className="danger" onClick={() => deletion.ask(identity)}>
              Delete identity
            </button>
          </div>
        </section>
      )}

      {deletion.target && (
        <ConfirmDialog title={`Delete identity ${identity.externalId}?`} confirmLabel="Delete identity" {...deletion.dialog}>
          <p>
            Its limits go with it; its keys are detached from it and keep working without them. Its external id can then be used again.{' '}
            <code>{identity.id}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
