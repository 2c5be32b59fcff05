import type { ReactNode } from 'react';

/**
 * The frame of a wide table: it scrolls sideways on a narrow screen, inside a region named by `label`. `className`
 * adds a page's own class to `table-scroll`.
 */
export function ScrollTable({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so a keyboard can scroll it sideways on a narrow screen when nothing in it does (read-only operators have no buttons there); WCAG 2.1.1, axe's scrollable-region-focusable.
    <section className={className ? `table-scroll ${className}` : 'table-scroll'} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
