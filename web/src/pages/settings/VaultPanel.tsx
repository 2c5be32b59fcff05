import { settings, type VaultStatus } from '../../api/settings';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Loading } from '../../components/Loading';
import { useAnswer } from './use-answer';

const MODES: Record<VaultStatus['mode'], string> = {
  none: 'None configured: set KEYWARD_MASTER_KEYS or KEYWARD_VAULT_URL to allow recoverable keys',
  local: 'In this server (KEYWARD_MASTER_KEYS)',
  remote: 'A separate vault server (keyward vault serve, KEYWARD_VAULT_URL)',
};

const versions = (list: number[]) => (list.length === 0 ? 'none yet' : list.join(', '));

/** Whether recoverable keys work: which vault, whether it answered just now, its master key versions (numbers only). */
export function VaultPanel() {
  const { answer, reload } = useAnswer(settings.getVaultStatus);
  return (
    <section aria-labelledby="settings-vault">
      <h2 id="settings-vault">Vault</h2>
      {answer.kind === 'loading' && <Loading label="Asking the vault…" block />}
      {answer.kind === 'failed' && <ErrorMessage error={answer.error} />}
      {answer.kind === 'loaded' && (
        <dl className="details">
          <dt>Recoverable keys</dt>
          <dd>{answer.value.recoverableKeys ? 'Available' : 'Not available'}</dd>
          <dt>Vault</dt>
          <dd>{MODES[answer.value.mode]}</dd>
          {answer.value.answers !== undefined && (
            <>
              <dt>Answers</dt>
              <dd>{answer.value.answers ? 'Yes' : `No: ${answer.value.problem ?? 'no reason given'}`}</dd>
            </>
          )}
          {answer.value.masterKeyVersions && (
            <>
              <dt>Master key versions configured</dt>
              <dd>{versions(answer.value.masterKeyVersions.configured)}</dd>
              <dt>Master key versions in use</dt>
              <dd>{versions(answer.value.masterKeyVersions.inUse)}</dd>
            </>
          )}
        </dl>
      )}
      {answer.kind !== 'loading' && (
        <button type="button" className="secondary" onClick={() => void reload()}>
          Check the vault again
        </button>
      )}
    </section>
  );
}
