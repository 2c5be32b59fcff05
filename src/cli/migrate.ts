import type { Config } from '../config.js';
import { openDatabase } from '../storage/sql/dialect.js';
import { migrateToLatest } from '../storage/sql/migrate.js';
import type { CliCommand } from './command.js';

export const migrateCli: CliCommand = {
  name: 'migrate',
  forms: [{ summary: 'Apply pending database migrations and exit.' }],
  details: '`keyward start` applies them too; this runs them alone, for example before a rolling upgrade.',
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL'],
  run: (config) => migrateCommand(config),
};

export async function migrateCommand(config: Readonly<Config>): Promise<number> {
  const { db, dialect } = openDatabase(config.databaseUrl);
  try {
    const applied = await migrateToLatest(db, dialect);
    process.stdout.write(applied.length === 0 ? 'Database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}
