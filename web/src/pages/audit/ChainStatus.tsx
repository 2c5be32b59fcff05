import { useCallback, useEffect, useState } from 'react';
import { type ChainStatus as Chain, verifyAuditChain } from '../../api/audit';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Loading } from '../../components/Loading';

type Checked = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; chain: Chain };

/**
 * The audit chain's state (audit.verifyChain, the check `keyward audit verify` makes): intact with its record count and
 * last hash, or where it breaks and why. "Verify again" checks anew; the last answer stays on screen meanwhile, so
 * nothing jumps, and the new one is announced.
 */
export function ChainStatus() {
  const [checked, setChecked] = useState<Checked>({ kind: 'loading' });
  const [checking, setChecking] = useState(false);

  const check = useCallback(async () => {
    setChecking(true);
    try {
      setChecked({ kind: 'loaded', chain: await verifyAuditChain() });
    } catch (error) {
      setChecked({ kind: 'failed', error });
    } finally {
      setChecking(false);
    }
  }, []);
  useEffect(() => {
    void check();
  }, [check]);

  return (
    <section aria-labelledby="audit-chain" className="chain-status">
      <h2 id="audit-chain">Chain verification</h2>
      <div role="status" aria-live="polite">
        {checked.kind === 'loading' && <Loading label="Checking the audit chain…" />}
        {checked.kind === 'loaded' && <ChainReport chain={checked.chain} />}
      </div>
      {checked.kind === 'failed' && <ErrorMessage error={checked.error} />}
      <button type="button" className="secondary" disabled={checking} onClick={() => void check()}>
        {checking ? 'Checking…' : 'Verify again'}
      </button>
    </section>
  );
}

function ChainReport({ chain }: { chain: Chain }) {
  if (!chain.broken) {
    return (
      <>
        <p className="chain-intact">
          <strong>Intact:</strong> all {chain.checked.toLocaleString()} records fit the chain.
        </p>
        <p className="hint">
          Last hash <code className="hash">{chain.headHash}</code>. Keep a copy elsewhere: a chain rewritten as a whole would end in another
          hash.
        </p>
      </>
    );
  }
  return (
    <div className="chain-broken">
      <p>
        <strong>Broken</strong>
        {chain.broken.recordId ? (
          <>
            {' '}
            at record <code>{chain.broken.recordId}</code>
          </>
        ) : null}
        : {chain.broken.reason}.
      </p>
      <p>
        {chain.checked.toLocaleString()} records before it are intact (last good hash <code className="hash">{chain.headHash}</code>).
        Records from there on may have been changed, deleted or added outside Keyward.
      </p>
    </div>
  );
}
