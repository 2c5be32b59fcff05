import type { ReactNode } from 'react';
import { PageHeading } from './PageHeading';

/** The frame of the pages before sign-in completes: the name, one card, nothing else to tab through. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <p className="brand" aria-hidden="true">
          Keyward
        </p>
        <PageHeading>{title}</PageHeading>
        {children}
      </div>
    </main>
  );
}
