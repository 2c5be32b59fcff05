import { ErrorMessage } from './ErrorMessage';

/** A read that failed: the server's error (an alert) and a "Try again" that reads it again. */
export function LoadFailed({ error, onRetry }: { error: unknown; onRetry(): unknown }) {
  return (
    <>
      <ErrorMessage error={error} />
      <button type="button" className="secondary" onClick={() => void onRetry()}>
        Try again
      </button>
    </>
  );
}
