import { useEffect, useRef } from 'react';
import type { AuditRecord } from '../../api/audit';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A dash that screen readers read as "none". */
function None() {
  return (
    <>
      <span aria-hidden="true">—</span>
      <span className="visually-hidden">none</span>
    </>
  );
}

/** A field the record may lack (work Keyward did itself has no address, agent or request). */
function Optional({ value }: { value: string | undefined }) {
  return value === undefined ? <None /> : <code>{value}</code>;
}

/**
 * One record in full, in a modal <dialog> (the browser keeps focus inside and closes it on Escape, as ConfirmDialog.tsx
 * relies on); focus starts on Close and returns to the button that opened it.
 */
export function AuditRecordDialog({ record, onClose }: { record: AuditRecord; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!element.open) element.showModal();
    close.current?.focus();
    return () => {
      element.close();
      opener?.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="audit-record-title"
      className="audit-record"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id="audit-record-title">Audit record {record.event}</h2>
      <dl className="details">
        <dt>Id</dt>
        <dd>
          <code>{record.id}</code>
        </dd>
        <dt>Time</dt>
        <dd>
          {when.format(record.time)} (<code>{new Date(record.time).toISOString()}</code>)
        </dd>
        <dt>Event</dt>
        <dd>
          <code>{record.event}</code>
        </dd>
        <dt>Actor</dt>
        <dd>
          {record.actor.name ? `${record.actor.name} ` : ''}({record.actor.type} <code>{record.actor.id}</code>)
        </dd>
        <dt>Description</dt>
        <dd className="description">{record.description}</dd>
        <dt>Resources</dt>
        <dd>
          {record.resources.length === 0 ? (
            <None />
          ) : (
            <ul className="resources" aria-label="Resources">
              {record.resources.map((resource) => (
                <li key={`${resource.type}:${resource.id}`}>
                  {resource.type} <code>{resource.id}</code>
                  {resource.name === undefined ? '' : ` (${resource.name})`}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>IP address</dt>
        <dd>
          <Optional value={record.sourceIp} />
        </dd>
        <dt>User agent</dt>
        <dd>
          <Optional value={record.userAgent} />
        </dd>
        <dt>Request id</dt>
        <dd>
          <Optional value={record.requestId} />
        </dd>
      </dl>
      <div className="actions">
        <button ref={close} type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
