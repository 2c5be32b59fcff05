import { type FormEvent, useId, useState } from 'react';
import type { Api } from '../../api/apis';
import { FilterActions } from '../../components/FilterActions';
import { RANGES, type RangeId } from './ranges';
import type { Loaded } from './use-loaded';

/** What the Analytics page shows: a time range and the filters, each empty string meaning "any". */
export interface AnalyticsFilter {
  range: RangeId;
  apiId: string;
  keyId: string;
  externalId: string;
  tag: string;
}

export const NO_FILTER: AnalyticsFilter = { range: 'day', apiId: '', keyId: '', externalId: '', tag: '' };

const trimmed = (filter: AnalyticsFilter): AnalyticsFilter => ({
  ...filter,
  keyId: filter.keyId.trim(),
  externalId: filter.externalId.trim(),
  tag: filter.tag.trim(),
});

/**
 * The range picker, applied (with the filters as typed) as soon as it changes, and the filters, applied with their
 * button: each typed character would otherwise be a request. `apis` are the workspace's APIs for the API picker.
 */
export function AnalyticsFilters({
  applied,
  apis,
  onApply,
}: {
  applied: AnalyticsFilter;
  apis: Loaded<Api[]>;
  onApply: (filter: AnalyticsFilter) => void;
}) {
  const [draft, setDraft] = useState(applied);
  const ids = useId();
  const set = (field: keyof AnalyticsFilter) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [field]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(trimmed(draft));
  };

  return (
    <form className="filters" onSubmit={submit} aria-label="Analytics filters">
      <div className="field">
        <label htmlFor={`${ids}-range`}>Time range</label>
        <select
          id={`${ids}-range`}
          value={draft.range}
          onChange={(event) => {
            const next = { ...draft, range: event.target.value as RangeId };
            setDraft(next);
            onApply(trimmed(next));
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
      <FilterActions
        onClear={() => {
          setDraft({ ...NO_FILTER, range: draft.range });
          onApply({ ...NO_FILTER, range: draft.range });
        }}
      />
    </form>
  );
}
