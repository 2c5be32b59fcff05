import { Component, type ReactNode } from 'react';
import { PageChunkFailed } from '../page-chunk';

interface State {
  error: unknown;
}

/**
 * Shows a page whose chunk could not be loaded (web/src/page-chunk.ts: after the one reload it tries) as a message with a
 * Reload button, in place of a blank dashboard. Any other error goes on to whatever is above, as before. Keyed by the
 * address where it wraps a page, so another page is tried afresh.
 */
export class PageChunkBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (error === undefined) return this.props.children;
    // Not ours to show: thrown on to the boundary above (none: React unmounts the app, as without this one).
    if (!(error instanceof PageChunkFailed)) throw error;
    return (
      <div className="error" role="alert">
        <p>
          This page could not be loaded. Keyward may have been upgraded since this tab was opened, or the server cannot be reached. Reload
          to get the current dashboard.
        </p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
