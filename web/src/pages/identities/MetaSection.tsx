/** The "Meta" section of a key's or an identity's page: the object as indented JSON, or "None." when it is empty. */
export function MetaSection({ headingId, meta }: { headingId: string; meta: Record<string, unknown> | undefined }) {
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Meta</h2>
      {meta && Object.keys(meta).length > 0 ? <pre>{JSON.stringify(meta, null, 2)}</pre> : <p className="empty">None.</p>}
    </section>
  );
}
