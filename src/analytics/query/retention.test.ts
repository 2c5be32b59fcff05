import { expect, it } from 'vitest';
import { parseAnalyticsQuery } from './parse.js';
import { timeBounds } from './retention.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY = 86_400_000;
const where = (condition: string) => parseAnalyticsQuery(`SELECT 1 FROM key_verifications_v1 AS v WHERE ${condition}`).where;
const bounds = (condition: string, names = ['key_verifications_v1', 'v']) => timeBounds(where(condition), NOW, names);

it("reads the bounds every kept row's time lies within from the WHERE's top-level AND terms", () => {
  expect(bounds('time >= now() - INTERVAL 1 DAY')).toEqual({ from: NOW - DAY });
  expect(bounds("time > 1000 AND key_id = 'k' AND time < 5000")).toEqual({ from: 1000, to: 5000 });
  expect(bounds('1000 <= time AND 5000 > v.time')).toEqual({ from: 1000, to: 5000 });
  expect(bounds('time BETWEEN 1000 AND 5000')).toEqual({ from: 1000, to: 5000 });
  expect(bounds('time = 3000')).toEqual({ from: 3000, to: 3000 });
  // The tightest of several.
  expect(bounds('time >= 1000 AND time >= 2000 AND time <= 9000 AND time <= 8000')).toEqual({ from: 2000, to: 8000 });
  expect(bounds("time >= '2026-01-14 12:00:00'")).toEqual({ from: NOW - DAY });
});

it("reads nothing from terms that do not hold for every kept row, or are not this table's time", () => {
  expect(bounds("time >= 1000 OR key_id = 'k'")).toEqual({});
  expect(bounds('NOT (time < 1000)')).toEqual({});
  expect(bounds('time NOT BETWEEN 1000 AND 5000')).toEqual({});
  expect(bounds('time >= toStartOfDay(time)')).toEqual({});
  expect(bounds('toStartOfDay(time) >= 1000')).toEqual({});
  // An outer query's `time` (a correlated subquery's WHERE names it by the outer alias).
  expect(bounds('outer_alias.time >= 1000')).toEqual({});
  expect(bounds('v.time >= 1000')).toEqual({ from: 1000 });
  expect(bounds('time >= 1e400')).toEqual({});
});
