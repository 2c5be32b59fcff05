import { Type } from 'typebox';
import { QUERY_MAX_BYTES } from '../analytics/query/parse.js';
import { RequestObject } from './common.js';

/** analytics.* (Unkey v2; docs/unkey-compatibility.md, "Analytics"): one SQL SELECT in, its rows out. */

const query = (tables: string) =>
  Type.String({
    minLength: 1,
    maxLength: QUERY_MAX_BYTES,
    description:
      `One SQL SELECT (ClickHouse syntax as upstream's) over ${tables}. CTEs, subqueries, joins and UNION over those ` +
      "tables are supported; only the caller's workspace (and the APIs or namespaces its permissions name) is ever read.",
  });

export const GetVerificationsBody = RequestObject({
  query: query('`key_verifications_v1` and `key_verifications_per_{minute,hour,day,month}_v1`'),
});

export const GetRatelimitsBody = RequestObject({
  query: query('`ratelimits_v1` and `ratelimits_per_{minute,hour,day,month}_v1`'),
});

/** Free-form rows: column names as the query gives them, tags as arrays, numbers as numbers. */
export const AnalyticsRows = Type.Array(Type.Record(Type.String(), Type.Unknown()), {
  description: 'The rows the query answers, at most KEYWARD_ANALYTICS_QUERY_MAX_ROWS.',
});
