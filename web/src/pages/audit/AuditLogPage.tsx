import { useCallback, useState } from 'react';
import { type AuditFilter, type AuditRecord, listAuditRecords } from '../../api/audit';
import { PageHeading } from '../../components/PageHeading';
import { useSession } from '../../session';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';
import { AuditExport } from './AuditExport';
import { AuditFilters } from './AuditFilters';
import { AuditRecordDialog } from './AuditRecordDialog';
import { ChainStatus } from './ChainStatus';
import './audit.css';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

const actorText = (record: AuditRecord) => record.actor.name ?? record.actor.id;

/** The workspace's audit log (audit.listLogs, newest first), filtered, a record in full, exports, and the chain's state. */
export function AuditLogPage() {
  const { workspace } = useSession();
  const [filter, setFilter] = useState<AuditFilter>({});
  const list = usePagedList(useCallback((cursor?: string) => listAuditRecords(filter, cursor), [filter]));
  const [shown, setShown] = useState<AuditRecord>();
  const filtered = Object.keys(filter).length > 0;

  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <p className="lead">
        Every change in this workspace, newest first: who made it, from where, and what it touched. Sign-ins and refusals of them are here
        too.
      </p>

      <ChainStatus />

      <section aria-labelledby="audit-filter">
        <h2 id="audit-filter">Filters</h2>
        <AuditFilters onApply={setFilter} />
      </section>

      <section aria-labelledby="audit-records">
        <h2 id="audit-records">Records</h2>
        <ListingTable
          list={list}
          loadingLabel="Loading audit records…"
          empty={filtered ? 'No record matches these filters.' : 'No audit records yet.'}
          announceEmpty
          label="Audit records table"
          className="audit-table"
          headers={['Time', 'Event', 'Actor', 'Description']}
          rowKey={(record) => record.id}
          cells={(record) => (
            <>
              <td className="nowrap">{when.format(record.time)}</td>
              <td>
                <code>{record.event}</code>
              </td>
              <td>{actorText(record)}</td>
              <td>{record.description}</td>
            </>
          )}
          actionsHeader="Details"
          actions={(record) => (
            <button type="button" className="small secondary" onClick={() => setShown(record)}>
              Details<span className="visually-hidden"> of record {record.id}</span>
            </button>
          )}
        />
      </section>

      {workspace && <AuditExport filter={filter} workspaceId={workspace.id} />}

      {shown && <AuditRecordDialog record={shown} onClose={() => setShown(undefined)} />}
    </>
  );
}
