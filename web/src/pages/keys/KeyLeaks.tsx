import type { KeyLeak } from '../../api/keys';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The key's reported leaks (keys.getKey `leaks`, POST /v2/leaks.report): shown only when there are some, first of
 * the sections after the details, since a leaked key needs a new secret (reroll) more than anything else on the page.
 */
export function KeyLeaks({ leaks }: { leaks: KeyLeak[] | undefined }) {
  if (!leaks?.length) return null;
  return (
    <section aria-labelledby="key-leaks">
      <h2 id="key-leaks">Reported leaks</h2>
      <p>
        A secret scanner found this key in public. Reroll it and replace it where it is used; a disabled key stays disabled until you enable
        it again.
      </p>
      <ul>
        {leaks.map((leak) => (
          <li key={`${leak.reportedAt}-${leak.reporter}-${leak.url ?? ''}`}>
            {when.format(leak.reportedAt)}: <code>{leak.tokenType}</code>
            {leak.url ? (
              <>
                {' '}
                at <code>{leak.url}</code>
              </>
            ) : null}
            {leak.source ? ` (${leak.source})` : ''}, reported by <code>{leak.reporter}</code>;{' '}
            {leak.action === 'disabled' ? 'the key was disabled' : 'recorded only (the API reports leaks without disabling)'}
          </li>
        ))}
      </ul>
    </section>
  );
}
