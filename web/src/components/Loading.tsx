/** A loading state that screen readers announce; `block` reserves the height of the content it stands for. */
export function Loading({ label = 'Loading…', block = false }: { label?: string; block?: boolean }) {
  return (
    <p className={block ? 'loading loading-block' : 'loading'} role="status" aria-live="polite">
      {label}
    </p>
  );
}
