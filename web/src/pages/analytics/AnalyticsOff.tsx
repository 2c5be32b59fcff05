/**
 * The empty state of a server without analytics to read: its chart reads answer 503 (`analytics_unavailable`,
 * docs/errors.md) when analytics is off (KEYWARD_ANALYTICS=off) or its store cannot be reached. Not an error of the
 * operator's: the server's own detail says which, and what to do follows.
 */
export function AnalyticsOff({ detail }: { detail: string }) {
  return (
    <div className="empty" role="status">
      <p>{detail}</p>
      <p>
        Nothing can be charted. With <code>KEYWARD_ANALYTICS=off</code> the server records no verifications; otherwise try again later.
      </p>
    </div>
  );
}
