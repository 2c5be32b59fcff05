import { useEffect, useState } from 'react';
import { CopyButton } from '../components/CopyButton';

/** The recovery codes, shown once: copy, download, and an explicit "I saved them" before going on. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): Promise<void> }) {
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const text = `${codes.join('\n')}\n`;
  const [download, setDownload] = useState<string>();
  useEffect(() => {
    // A blob: URL made here, from this page's memory: the codes never travel again.
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    setDownload(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);

  return (
    <>
      <p>
        Each code signs you in once if you lose your authenticator. They are shown only now: store them somewhere safe, apart from your
        password.
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <CopyButton text={text} label="Copy codes" />
        {download && (
          <a className="button secondary" href={download} download="keyward-recovery-codes.txt">
            Download codes
          </a>
        )}
      </div>
      <div className="check">
        <input id="saved-codes" type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />
        <label htmlFor="saved-codes">I saved my recovery codes</label>
      </div>
      <button
        type="button"
        disabled={!saved || busy}
        onClick={async () => {
          setBusy(true);
          await onDone();
        }}
      >
        Continue to the dashboard
      </button>
    </>
  );
}
