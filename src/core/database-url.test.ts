import { describe, expect, it } from 'vitest';
import { isPostgresUrl } from './database-url.js';

describe('isPostgresUrl', () => {
  it('selects PostgreSQL for both schemes in any case', () => {
    for (const url of ['postgres://u@h/db', 'postgresql://u@h/db', 'POSTGRES://u@h/db', 'PostgreSQL://u@h/db']) {
      expect(isPostgresUrl(url), url).toBe(true);
    }
  });

  it('takes everything else for a SQLite path', () => {
    for (const url of [
      '/var/lib/keyward/keyward.sqlite',
      'data/postgres.sqlite',
      'sqlite:///tmp/x.sqlite',
      'postgres:/u@h/db',
      'mysql://h/db',
    ]) {
      expect(isPostgresUrl(url), url).toBe(false);
    }
  });
});
