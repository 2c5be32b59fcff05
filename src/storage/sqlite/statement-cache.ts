import type Database from 'better-sqlite3';

/**
 * Kysely's SQLite driver prepares every query anew; preparing the verify lookup costs about three times running it
 * (bench/RESULTS.md). Statements are kept by SQL text (bounded: IN lists make some texts one-off). A statement still
 * busy in an open iterator is never handed out twice. A statement whose text is in `arrayRowTexts` returns its rows as
 * arrays of values (better-sqlite3's raw mode; dialect.ts, readRowsAsArrays); the set is read on every prepare, so a
 * text registered after its statement was first kept still gets them.
 */
export function withStatementCache(database: Database.Database, arrayRowTexts: ReadonlySet<string> = new Set(), maxStatements = 500) {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): Database.Statement {
      let statement = statements.get(text);
      if (!statement || statement.busy) {
        statement = database.prepare(text);
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      if (arrayRowTexts.has(text)) statement.raw(true);
      return statement;
    },
  };
}
