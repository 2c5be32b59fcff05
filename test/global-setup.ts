import pg from 'pg';
import { POSTGRES_BASE_URL } from './harness.js';

/** The suite runs against real PostgreSQL; say so plainly when it is not there instead of failing later. */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_BASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not answering at ${POSTGRES_BASE_URL}: ${(error as Error).message}. Start it (see .ci/run).`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
