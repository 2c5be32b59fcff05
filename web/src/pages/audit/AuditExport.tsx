import { useState } from 'react';
import type { AuditFilter } from '../../api/audit';
import { ErrorMessage } from '../../components/ErrorMessage';
import { download, readAll, toCsv, toJsonLines } from './export';

type Format = 'jsonl' | 'csv';

const FORMATS: Record<Format, { label: string; type: string; write: typeof toCsv }> = {
  jsonl: { label: 'Export JSON lines', type: 'application/x-ndjson', write: toJsonLines },
  csv: { label: 'Export CSV', type: 'text/csv', write: toCsv },
};

/** Export buttons: every record of the current filter (not only those loaded), read and written in the browser. */
export function AuditExport({ filter, workspaceId }: { filter: AuditFilter; workspaceId: string }) {
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string>();
  const [error, setError] = useState<unknown>();

  const run = async (format: Format) => {
    setBusy(true);
    setError(undefined);
    setProgress('Reading records…');
    try {
      const records = await readAll(filter, (count) => setProgress(`Read ${count.toLocaleString()} records…`));
      const stamp = new Date()
        .toISOString()
        .replaceAll(':', '-')
        .replace(/\.\d+Z$/, 'Z');
      download(`keyward-audit-${workspaceId}-${stamp}.${format}`, FORMATS[format].write(records), FORMATS[format].type);
      setProgress(`Exported ${records.length.toLocaleString()} ${records.length === 1 ? 'record' : 'records'}.`);
    } catch (failure) {
      setProgress(undefined);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="audit-export">
      <h2 id="audit-export">Export</h2>
      <p className="hint">Every record the filters above select, newest first, as a file.</p>
      <div className="actions">
        {(Object.keys(FORMATS) as Format[]).map((format) => (
          <button key={format} type="button" className="secondary" disabled={busy} onClick={() => void run(format)}>
            {FORMATS[format].label}
          </button>
        ))}
      </div>
      <p role="status" aria-live="polite" className="export-status">
        {progress}
      </p>
      <ErrorMessage error={error} />
    </section>
  );
}
