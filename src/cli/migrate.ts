import type { Config } from '../config.js';
import { openDatabase } from '../storage/sql/dialect.js';
import { migrateToLatest } from '../storage/sql/migrate.js';

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
