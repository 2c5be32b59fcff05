import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { type IssuedKey, type Key, keys } from '../api/keys';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { IssuedKeyDialog } from '../components/IssuedKeyDialog';
import { Link } from '../components/Link';
import { LoadFailed } from '../components/LoadFailed';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { keyPathOf, keysPathOf, navigate } from '../router';
import { useSession } from '../session';
import { useConfirmedAction } from './confirmed-action';
import { MetaSection } from './identities/MetaSection';
import { RatelimitsSection } from './identities/RatelimitsSection';
import { KeyAccessSection } from './KeyAccessSection';
import { KeyEditForm } from './keys/KeyEditForm';
import { KeyLeaks } from './keys/KeyLeaks';
import { RevealKey } from './keys/RevealKey';
import { creditsText } from './KeysPage';
import { KeyUsage } from './KeyUsage';

type Loaded = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; key: Key };

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The grace periods offered on reroll: how long the old key keeps verifying, in milliseconds (keys.rerollKey's expiration).
 * The server rounds the old key's end up to the whole minute (src/contract/keys.ts, RerollKeyBody), so "none" still
 * leaves it working until the next minute starts; the labels say so rather than promise "at once".
 */
export const GRACE_PERIODS = [
  { label: 'None (the old key stops within a minute)', ms: 0 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '24 hours', ms: 86_400_000 },
  { label: '7 days', ms: 604_800_000 },
] as const;

/** One key (keys.getKey): its settings, and enable/disable, rename, credits, reroll and delete. */
export function KeyDetailPage({ apiId, keyId }: { apiId: string; keyId: string }) {
  const { workspace } = useSession();
  const readOnly = workspace?.role === 'read_only';
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const [name, setName] = useState('');
  const [credits, setCredits] = useState('');
  const [grace, setGrace] = useState<number>(0);
  const [rerolling, setRerolling] = useState(false);
  const [rerollError, setRerollError] = useState<unknown>();
  const [issued, setIssued] = useState<IssuedKey>();
  const deletion = useConfirmedAction(
    (key: Key) => keys.delete(key.keyId),
    () => navigate(keysPathOf(apiId)),
  );
  const ids = useId();

  const load = useCallback(async () => {
    try {
      const key = await keys.get(keyId);
      setLoaded({ kind: 'loaded', key });
      setName(key.name ?? '');
      setCredits(key.credits?.remaining === null || key.credits === undefined ? '' : String(key.credits.remaining));
    } catch (error) {
      setLoaded({ kind: 'failed', error });
    }
  }, [keyId]);
  useEffect(() => {
    void load();
  }, [load]);

  /** Runs one change, then reads the key again so the page shows what the server now holds. */
  const act = async (what: string, change: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(undefined);
    setSaved(undefined);
    try {
      await change();
      setSaved(what);
      await load();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  if (loaded.kind === 'loading') return <Loading label="Loading key…" block />;
  if (loaded.kind === 'failed')
    return (
      <>
        <p>
          <Link href={keysPathOf(apiId)}>← Keys</Link>
        </p>
        <PageHeading>Key</PageHeading>
        <LoadFailed error={loaded.error} onRetry={load} />
      </>
    );
  const { key } = loaded;

  const saveName = (event: FormEvent) => {
    event.preventDefault();
    void act('Name saved.', () => keys.update(key.keyId, { name: name.trim() ? name.trim() : null }));
  };
  const saveCredits = (event: FormEvent) => {
    event.preventDefault();
    const text = credits.trim();
    if (text && !/^\d+$/.test(text)) {
      setActionError(new Error('Credits must be a whole number, or empty for unlimited.'));
      return;
    }
    void act('Credits saved.', () => keys.setCredits(key.keyId, text ? Number(text) : null));
  };
  const reroll = async () => {
    setRerolling(true);
    setRerollError(undefined);
    try {
      const next = await keys.reroll(key.keyId, grace);
      setIssued(next);
    } catch (error) {
      setRerollError(error);
    } finally {
      setRerolling(false);
    }
  };

  return (
    <>
      <p>
        <Link href={keysPathOf(apiId)}>← Keys</Link>
      </p>
      <PageHeading>{key.name ? `Key ${key.name}` : 'Key'}</PageHeading>

      <section aria-labelledby="key-fields">
        <h2 id="key-fields">Details</h2>
        <dl className="details">
          <dt>Id</dt>
          <dd>
            <code>{key.keyId}</code>
          </dd>
          <dt>Start</dt>
          <dd>
            <code>{key.start}…</code>
          </dd>
          <dt>Status</dt>
          <dd>{key.enabled ? 'Enabled' : 'Disabled'}</dd>
          <dt>Created</dt>
          <dd>{when.format(key.createdAt)}</dd>
          {key.updatedAt !== undefined && (
            <>
              <dt>Updated</dt>
              <dd>{when.format(key.updatedAt)}</dd>
            </>
          )}
          <dt>Last used</dt>
          <dd>{key.lastUsedAt === undefined ? 'Never' : when.format(key.lastUsedAt)}</dd>
          <dt>Expires</dt>
          <dd>{key.expires === undefined ? 'Never' : when.format(key.expires)}</dd>
          <dt>Credits</dt>
          <dd>{creditsText(key)}</dd>
          <dt>Refill</dt>
          <dd>
            {key.credits?.refill
              ? `${key.credits.refill.amount.toLocaleString()} ${key.credits.refill.interval === 'daily' ? 'every day' : `every month${key.credits.refill.refillDay ? ` on day ${key.credits.refill.refillDay}` : ''}`}`
              : 'None'}
          </dd>
          <dt>Identity</dt>
          <dd>{key.identity ? <code>{key.identity.externalId}</code> : 'None'}</dd>
        </dl>
      </section>

      <KeyLeaks leaks={key.leaks} />

      <KeyUsage keyId={key.keyId} />

      <RatelimitsSection headingId="key-limits" limits={key.ratelimits ?? []} />

      <KeyAccessSection keyId={key.keyId} readOnly={readOnly} />

      <MetaSection headingId="key-meta" meta={key.meta} />

      {!readOnly && <KeyEditForm keyData={key} onSaved={load} />}
      {!readOnly && <RevealKey keyData={key} apiId={apiId} />}

      {!readOnly && (
        <section aria-labelledby="key-actions">
          <h2 id="key-actions">Change this key</h2>
          <ErrorMessage error={actionError} />
          {saved && (
            <p className="success" role="status">
              {saved}
            </p>
          )}
          <div className="actions">
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() =>
                void act(key.enabled ? 'Key disabled.' : 'Key enabled.', () => keys.update(key.keyId, { enabled: !key.enabled }))
              }
            >
              {key.enabled ? 'Disable key' : 'Enable key'}
            </button>
          </div>
          <form className="inline-form" onSubmit={saveName}>
            <Field label="Name" maxLength={255} hint="Empty: no name." value={name} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="secondary" disabled={busy}>
              Save name
            </button>
          </form>
          <form className="inline-form" onSubmit={saveCredits}>
            <Field
              label="Credits remaining"
              inputMode="numeric"
              hint="Sets the balance; empty: unlimited (which also removes the refill)."
              value={credits}
              onChange={(e) => setCredits(e.target.value)}
            />
            <button type="submit" className="secondary" disabled={busy}>
              Save credits
            </button>
          </form>

          <h3>Reroll</h3>
          <p>
            A new key replaces this one with the same settings; the old one keeps working for the grace period, which the server rounds up
            to the whole minute.
          </p>
          <div className="inline-form">
            <div className="field">
              <label htmlFor={`${ids}-grace`}>Grace period</label>
              <select id={`${ids}-grace`} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
                {GRACE_PERIODS.map((period) => (
                  <option key={period.ms} value={period.ms}>
                    {period.label}
                  </option>
                ))}
              </select>
            </div>
            <button type="button" className="secondary" disabled={rerolling} onClick={() => void reroll()}>
              {rerolling ? 'Rerolling…' : 'Reroll key'}
            </button>
          </div>
          <ErrorMessage error={rerollError} />

          <h3>Delete</h3>
          <div className="actions">
            <button type="button" className="danger" onClick={() => deletion.ask(key)}>
              Delete key
            </button>
          </div>
        </section>
      )}

      {issued && (
        <IssuedKeyDialog
          title="Your rerolled key"
          issued={issued}
          onClose={() => {
            const next = issued.keyId;
            setIssued(undefined);
            navigate(keyPathOf(apiId, next));
          }}
        />
      )}
      {deletion.target && (
        <ConfirmDialog title={`Delete key ${key.name ?? key.keyId}?`} confirmLabel="Delete key" {...deletion.dialog}>
          <p>
            It stops verifying at once. <code>{key.keyId}</code>
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
