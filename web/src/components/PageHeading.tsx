import { type ReactNode, useEffect, useRef } from 'react';

/**
 * A page's <h1>, focused when the page appears: after a client-side navigation a screen reader announces the new page
 * and the next Tab starts from it, as after a full page load.
 */
export function PageHeading({ children }: { children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
