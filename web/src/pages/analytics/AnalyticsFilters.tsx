import { type FormEvent, useCallback, useId, useState } from 'react';
import { listApis } from '../../api/apis';
import { RANGES, type RangeId } from './ranges';
import { useLoaded } from './use-loaded';

/** What the Analytics page shows: a time range and the filters, each empty string meaning "any". */
export interface AnalyticsFilter {
  range: RangeId;
  apiId: string;
  keyId: string;
  externalId: string;
  tag: string;
}

export const NO_FILTER: AnalyticsFilter = { range: 'day', apiId: '', keyId: '', externalId: '', tag: '' };

/**
 * The range picker, applied as soon as it changes, and the filters, applied together with their button (each typed
 * character would otherwise be a request). The API list is the workspace's first 100 APIs (apis.listApis).
 */
export function AnalyticsFilters({ applied, onApply }: { applied: AnalyticsFilter; onApply: (filter: AnalyticsFilter) => void }) {
  const [draft, setDraft] = useState(applied);
  const apis = useLoaded(useCallback(async () => (await listApis()).items, []));
  const ids = useId();
  const set = (field: keyof AnalyticsFilter) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [field]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft, keyId: draft.keyId.trim(), externalId: draft.externalId.trim(), tag: draft.tag.trim() });
  };

  return (
    <form className="filters" onSubmit={submit} aria-label="Analytics filters">
      <div className="field">
        <label htmlFor={`${ids}-range`}>Time range</label>
        <select
          id={`${ids}-range`}
          value={draft.range}
          onChange={(event) => {
            const range = event.target.value as RangeId;
            setDraft({ ...draft, range });
            onApply({ ...applied, range });
          }}
        >
          {RANGES.map((range) => (
            <option key={range.id} value={range.id}>
              {range.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-api`}>API</label>
        <select id={`${ids}-api`} value={draft.apiId} onChange={set('apiId')}>
          <option value="">All APIs</option>
          {apis.kind === 'loaded' &&
            apis.value.map((api) => (
              <option key={api.id} value={api.id}>
                {api.name}
              </option>
            ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-key`}>Key id</label>
        <input id={`${ids}-key`} value={draft.keyId} onChange={set('keyId')} aria-describedby={`${ids}-chart-only`} />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-identity`}>Identity external id</label>
        <input id={`${ids}-identity`} value={draft.externalId} onChange={set('externalId')} aria-describedby={`${ids}-chart-only`} />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-tag`}>Tag</label>
        <input id={`${ids}-tag`} value={draft.tag} onChange={set('tag')} />
      </div>
      <p className="hint" id={`${ids}-chart-only`}>
        The key and identity filters narrow the chart; the top lists follow the API and tag filters.
      </p>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft({ ...NO_FILTER, range: draft.range });
            onApply({ ...NO_FILTER, range: draft.range });
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}
