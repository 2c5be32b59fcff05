import type Database from 'better-sqlite3';

/**
 * Kysely's SQLite driver prepares every query anew; preparing the verify lookup costs about three times running it
 * (bench/RESULTS.md). Statements are kept by SQL text (bounded: IN lists make some texts one-off). A statement still
 * busy in an open iterator is never handed out twice.
 */
export function withStatementCache(database: Database.Database, maxStatements = 500) {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): Database.Statement {
      const cached = statements.get(text);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(text);
      if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
      statements.set(text, statement);
      return statement;
    },
  };
}
