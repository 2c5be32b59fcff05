import { useCallback, useState } from 'react';
import { analytics, type SeriesFilter, type TopFilter } from '../../api/analytics';
import { listApis } from '../../api/apis';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Loading } from '../../components/Loading';
import { PageHeading } from '../../components/PageHeading';
import { AnalyticsFilters, type AnalyticsFilter, NO_FILTER } from './AnalyticsFilters';
import { AnalyticsOff } from './AnalyticsOff';
import { analyticsOffDetail } from './outcomes';
import { rangeEndingNow, rangeOf } from './ranges';
import { TopIdentitiesTable, TopKeysTable } from './TopUsageTables';
import { type Loaded, useLoaded } from './use-loaded';
import { VerificationsChart } from './VerificationsChart';

/** The filters as the chart operations take them: empty fields left out. */
function seriesFilter(filter: AnalyticsFilter): SeriesFilter {
  return {
    ...(filter.apiId ? { apiId: filter.apiId } : {}),
    ...(filter.keyId ? { keyId: filter.keyId } : {}),
    ...(filter.externalId ? { externalId: filter.externalId } : {}),
    ...(filter.tag ? { tags: [filter.tag] } : {}),
  };
}

const topFilter = ({ apiId, tags }: SeriesFilter): TopFilter => ({ ...(apiId ? { apiId } : {}), ...(tags ? { tags } : {}) });

/** One read's loading or error state (the API's own detail); `children` draws what it loaded. */
function Section<T>({ loaded, label, children }: { loaded: Loaded<T>; label: string; children: (value: T) => React.ReactNode }) {
  if (loaded.kind === 'loading') return <Loading label={label} block />;
  if (loaded.kind === 'failed') return <ErrorMessage error={loaded.error} />;
  return <>{children(loaded.value)}</>;
}

/**
 * The workspace's verifications (analytics.getVerificationTimeseries) over the chosen range, by outcome, and its most
 * verified keys and identities (analytics.getTopKeys, analytics.getTopIdentities), read again when the range or the
 * filters change and on Refresh (a range ends when it is applied).
 */
export function AnalyticsPage() {
  const [filter, setFilter] = useState<AnalyticsFilter>(NO_FILTER);
  const [appliedAt, setAppliedAt] = useState(() => Date.now());
  // The API picker's choices: the workspace's first 100 APIs (apis.listApis), read once.
  const apis = useLoaded(useCallback(async () => (await listApis()).items, []));
  const range = rangeOf(filter.range);
  const apply = (next: AnalyticsFilter) => {
    setFilter(next);
    setAppliedAt(Date.now());
  };

  const series = useLoaded(
    useCallback(
      () => analytics.timeseries(rangeEndingNow(range.span, appliedAt), range.interval, seriesFilter(filter)),
      [range, appliedAt, filter],
    ),
  );
  const topKeys = useLoaded(
    useCallback(
      () => analytics.topKeys(rangeEndingNow(range.span, appliedAt), topFilter(seriesFilter(filter))),
      [range, appliedAt, filter],
    ),
  );
  const topIdentities = useLoaded(
    useCallback(
      () => analytics.topIdentities(rangeEndingNow(range.span, appliedAt), topFilter(seriesFilter(filter))),
      [range, appliedAt, filter],
    ),
  );
  // Analytics off (or out of reach) is one state for the whole page, not three errors.
  const off = [series, topKeys, topIdentities]
    .map((loaded) => (loaded.kind === 'failed' ? analyticsOffDetail(loaded.error) : undefined))
    .find((detail) => detail !== undefined);

  return (
    <>
      <PageHeading>Analytics</PageHeading>
      <p className="lead">Verifications of this workspace's keys by outcome, and the keys and identities verified most.</p>
      {/* Keyed by the applied filter, so Clear and the identity buttons below show in the form what they applied. */}
      <AnalyticsFilters key={JSON.stringify(filter)} applied={filter} apis={apis} onApply={apply} />
      <p>
        <button type="button" className="secondary" onClick={() => setAppliedAt(Date.now())}>
          Refresh
        </button>
      </p>
      {off !== undefined ? (
        <AnalyticsOff detail={off} />
      ) : (
        <>
          <section aria-labelledby="verifications-chart">
            <h2 id="verifications-chart">Verifications</h2>
            <Section loaded={series} label="Loading verifications…">
              {(points) => (
                <VerificationsChart points={points} interval={range.interval} title={`Verifications, ${range.label.toLowerCase()}`} />
              )}
            </Section>
          </section>
          <section aria-labelledby="top-keys">
            <h2 id="top-keys">Top keys</h2>
            <Section loaded={topKeys} label="Loading top keys…">
              {(keys) => <TopKeysTable keys={keys} />}
            </Section>
          </section>
          <section aria-labelledby="top-identities">
            <h2 id="top-identities">Top identities</h2>
            <Section loaded={topIdentities} label="Loading top identities…">
              {(identities) => <TopIdentitiesTable identities={identities} onShow={(externalId) => apply({ ...filter, externalId })} />}
            </Section>
          </section>
        </>
      )}
    </>
  );
}
