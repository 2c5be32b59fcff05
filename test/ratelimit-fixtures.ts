import type { TestServer } from './harness.js';

/** Small builders shared by the ratelimit and ratelimitNamespaces route tests. */

let made = 0;

/** A unique namespace name, so tests sharing one server never share counters. */
export function namespaceName(label = 'ns'): string {
  return `${label}.${Date.now().toString(36)}.${made++}`;
}

/** A new namespace, made the way callers make them: by limiting against a new name (cost 0, so nothing is counted). */
export async function newNamespace(t: TestServer, rootKey = t.rootKey, workspaceId = t.workspaceId): Promise<{ name: string; id: string }> {
  const name = namespaceName();
  const res = await t.call('ratelimit.limit', { namespace: name, identifier: 'fixture', limit: 1, duration: 1000, cost: 0 }, { rootKey });
  if (res.status !== 200) throw new Error(`ratelimit.limit answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  const ns = await t.server.store.findRatelimitNamespace(workspaceId, name);
  return { name, id: ns!.id };
}

export async function setOverride(
  t: TestServer,
  body: { namespace: string; identifier: string; limit: number; duration: number },
  rootKey = t.rootKey,
): Promise<string> {
  const res = await t.call('ratelimit.setOverride', body, { rootKey });
  if (res.status !== 200) throw new Error(`setOverride answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.data.overrideId as string;
}

/** Moves the test clock forward to the start of a `duration` window, so window arithmetic in a test is exact. */
export function alignClock(t: TestServer, duration: number): number {
  const start = (Math.floor(t.clock.now() / duration) + 1) * duration;
  t.clock.set(start);
  return start;
}
