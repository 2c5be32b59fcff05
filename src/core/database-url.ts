/**
 * The one test of which engine a database URL selects: `postgres://` or `postgresql://` (any case) is PostgreSQL;
 * anything else is a SQLite file path. Config validation, the store, the vault store and the CLI all ask here,
 * so they can never disagree about the same URL.
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
