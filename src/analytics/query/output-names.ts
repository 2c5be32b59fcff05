import type { SqlNode } from './ast.js';
import { sqlParser } from './parse.js';

/**
 * What a result column without an alias is called. The engines would each name it after Keyward's translation
 * (`COALESCE(SUM("count"), 0)` on SQLite, `coalesce` on PostgreSQL); the answer names it after what the user wrote
 * instead (`SUM(count)`), the same on both. ClickHouse's own names differ again: `AS` gives every engine one name.
 */
export function outputName(expr: SqlNode): string {
  if (expr?.type === 'column_ref') {
    const column = typeof expr.column === 'string' ? expr.column : expr.column?.expr?.value;
    if (typeof column === 'string') return column;
  }
  return sqlParser.exprToSQL(expr as never, { database: 'mysql' }).replaceAll('`', '');
}
