import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

/**
 * One test server for the whole file: started before its tests, closed after them. The returned object is filled
 * in by the beforeAll hook registered here, so read it only inside hooks and tests (hooks registered after this
 * call run after it is filled).
 */
export function useTestServer(options?: Parameters<typeof startTestServer>[0]): TestServer {
  const t = {} as TestServer;
  beforeAll(async () => {
    Object.assign(t, await startTestServer(options));
  });
  afterAll(async () => {
    await t.close();
  });
  return t;
}

/** Calls one operation as the given root key, or as the server's own when none is given. */
export function caller(t: TestServer, operation: string): (body: unknown, rootKey?: string) => ReturnType<TestServer['call']> {
  return (body, rootKey) => t.call(operation, body, rootKey ? { rootKey } : {});
}
