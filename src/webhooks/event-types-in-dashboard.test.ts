import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from './events.js';

// The dashboard keeps its own copy of the event types (it is bundled apart from the server, under its own compiler
// settings, so it is read here as text): held equal, so a new event type cannot be missing from the Webhooks page.
it("the dashboard's webhook event types are the server's", () => {
  const source = readFileSync(new URL('../../web/src/api/webhooks.ts', import.meta.url), 'utf8');
  const list = /export const WEBHOOK_EVENT_TYPES = \[([^\]]*)\]/.exec(source)?.[1];
  expect(list, 'WEBHOOK_EVENT_TYPES in web/src/api/webhooks.ts').toBeDefined();
  expect([...list!.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual([...WEBHOOK_EVENT_TYPES]);
});
