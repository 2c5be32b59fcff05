import { expect } from 'vitest';
import type { CallResult } from './harness.js';

/** Sends each body and expects a 400 listing at least one schema error; a failure names the body that got through. */
export async function expectSchemaErrors<B>(send: (body: B) => Promise<CallResult>, bodies: B[]): Promise<void> {
  for (const body of bodies) {
    const res = await send(body);
    expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    expect(res.body.error.errors.length).toBeGreaterThan(0);
  }
}
