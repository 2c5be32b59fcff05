import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Transport knows no storage: nothing under src/http imports from src/storage, types included. http reaches
 * storage only through services (root-key authentication included) and answers through contract/views.
 */

const HTTP_DIR = dirname(fileURLToPath(import.meta.url));
const STORAGE_DIR = resolve(HTTP_DIR, '../storage');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier of `source`: static imports and re-exports (`import type` too) and dynamic import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of source.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  return found;
}

/** The specifiers of `source` (a file at `file`) that resolve into src/storage. */
function storageImports(file: string, source: string): string[] {
  return specifiers(source).filter((specifier) => {
    if (!specifier.startsWith('.')) return false;
    const target = relative(STORAGE_DIR, resolve(dirname(file), specifier));
    return target === '' || (!target.startsWith('..') && !target.startsWith('/'));
  });
}

describe('src/http layering', () => {
  it('the check sees every kind of import that could reach storage', () => {
    const file = join(HTTP_DIR, 'routes/keys/example.ts');
    const source = [
      "import type { KeyRecord } from '../../../storage/store.js';",
      "import {\n  openSqlStore,\n} from '../../../storage/sql/sql-store.js';",
      "export { x } from '../../../storage/store.js';",
      "import '../../../storage/sql/dialect.js';",
      "const m = await import('../../../storage/store.js');",
      "import { keyData } from '../../../contract/views/keys.js';",
      "import { x } from '../../storage-like.js';",
    ].join('\n');
    expect(storageImports(file, source)).toEqual([
      '../../../storage/store.js',
      '../../../storage/sql/sql-store.js',
      '../../../storage/store.js',
      '../../../storage/sql/dialect.js',
      '../../../storage/store.js',
    ]);
  });

  it('no file under src/http imports from src/storage', () => {
    // This file's own examples above are strings, not imports.
    const files = tsFiles(HTTP_DIR).filter((file) => file !== fileURLToPath(import.meta.url));
    // The walk really reached the routes: an empty list would pass for the wrong reason.
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      storageImports(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(HTTP_DIR, file)}: ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });
});
