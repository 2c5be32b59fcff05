import { useCallback, useState } from 'react';
import { analytics } from '../api/analytics';
import { ErrorMessage } from '../components/ErrorMessage';
import { Loading } from '../components/Loading';
import { AnalyticsOff } from './analytics/AnalyticsOff';
import { analyticsOffDetail } from './analytics/outcomes';
import { rangeEndingNow, rangeOf } from './analytics/ranges';
import { useLoaded } from './analytics/use-loaded';
import { VerificationsChart } from './analytics/VerificationsChart';

const WEEK = rangeOf('week');

function Failure({ error }: { error: unknown }) {
  const off = analyticsOffDetail(error);
  return off ? <AnalyticsOff detail={off} /> : <ErrorMessage error={error} />;
}

/** A key page's Usage section: the key's verifications over the last 7 days, a day at a time, by outcome. */
export function KeyUsage({ keyId }: { keyId: string }) {
  const [at, setAt] = useState(() => Date.now());
  const usage = useLoaded(useCallback(() => analytics.timeseries(rangeEndingNow(WEEK.span, at), WEEK.interval, { keyId }), [keyId, at]));
  return (
    <section aria-labelledby="key-usage">
      <h2 id="key-usage">Usage</h2>
      {usage.kind === 'loading' && <Loading label="Loading usage…" block />}
      {usage.kind === 'failed' && <Failure error={usage.error} />}
      {usage.kind === 'loaded' && (
        <VerificationsChart points={usage.value} interval={WEEK.interval} title="This key's verifications, last 7 days" />
      )}
      <button type="button" className="secondary" onClick={() => setAt(Date.now())}>
        Refresh usage
      </button>
    </section>
  );
}
