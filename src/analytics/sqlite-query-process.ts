import { openAnalyticsConnection } from './sqlite-file.js';

/**
 * A child process that runs analytics queries on a read-only connection to the SQLite analytics file
 * (src/analytics/sqlite-store.ts). A process rather than a worker thread: better-sqlite3 cannot interrupt a
 * statement, and a worker thread inside a statement that never ends cannot be terminated (its thread stays in
 * SQLite's loop), while a process can be killed. At most `maxRows + 1` rows are read, by iterating.
 */

export interface QueryRequest {
  id: number;
  sql: string;
  parameters: unknown[];
  maxRows: number;
}

export type QueryReply =
  | { id: number; ok: true; rows: Record<string, unknown>[]; tooMany: boolean }
  | { id: number; ok: false; message: string; code?: string };

const db = openAnalyticsConnection(process.argv[2]!, { readonly: true });

process.on('message', (request: QueryRequest) => {
  let reply: QueryReply;
  try {
    const statement = db.prepare(request.sql);
    if (!statement.reader) throw new Error('an analytics query must return rows');
    const rows: Record<string, unknown>[] = [];
    let tooMany = false;
    for (const row of statement.iterate(request.parameters) as IterableIterator<Record<string, unknown>>) {
      if (rows.length === request.maxRows) {
        tooMany = true;
        break; // ends the iteration, and resets the statement
      }
      rows.push(row);
    }
    reply = { id: request.id, ok: true, rows: tooMany ? [] : rows, tooMany };
  } catch (error) {
    reply = { id: request.id, ok: false, message: (error as Error).message, code: (error as { code?: string }).code };
  }
  process.send!(reply);
});
// Ends with its parent: a closed IPC channel means the server is gone.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
