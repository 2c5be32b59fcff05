import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Keyward's installation directory: the nearest directory above this module holding package.json. The module runs
 * from src/config/ under the test runner and from dist/src/config/ once built, so a fixed number of `..` would be
 * wrong in one of the two.
 */
export function installDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Keyward is not installed from a directory holding package.json');
    dir = parent;
  }
  return dir;
}

/** Where `npm run build` writes the dashboard (web/vite.config.ts): KEYWARD_DASHBOARD_DIR's default. */
export function defaultDashboardDir(): string {
  return join(installDir(), 'dist', 'web');
}
