import { type DatabaseIntrospector, type Kysely, sql, type TableMetadata } from 'kysely';

/**
 * `db` for Kysely's Migrator, introspecting Keyward's own schema only.
 *
 * The migrator asks whether its bookkeeping tables exist through `db.introspection`, whose PostgreSQL version lists
 * every table of every schema in the database with functions that look each schema up by name
 * (`has_schema_privilege`, `pg_get_serial_sequence`). A schema another client drops while that query runs then fails
 * Keyward's migration with "schema ... does not exist": a start-up that fails because some other application of the
 * same database cleaned up (src/storage/postgres/schema-churn.test.ts). This introspector reads the catalogue with
 * plain joins, filtered to `current_schema()`, and answers table names without their columns, which is all the
 * migrator uses.
 */
export function introspectingCurrentSchemaOnly<DB>(db: Kysely<DB>): Kysely<DB> {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace`.execute(db);
      return rows;
    },
    async getTables(): Promise<TableMetadata[]> {
      const { rows } = await sql<{ name: string; schema: string; isView: boolean }>`
        SELECT c.relname AS name, n.nspname AS schema, c.relkind = 'v' AS "isView"
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v')`.execute(db);
      return rows.map((row) => ({ ...row, columns: [] }));
    },
    async getMetadata() {
      return { tables: await this.getTables() };
    },
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value = Reflect.get(target, property, target);
      // Kysely keeps its state in private fields: its methods must run on the real instance, not on the proxy.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
