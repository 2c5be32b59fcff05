import { describe, expect, it } from 'vitest';
import { databaseUnavailableCause } from './database-unavailable.js';

/** Which failures answer 503 database_unavailable (the fault tests in test/faults/postgres-*.test.ts see them for real). */
describe('databaseUnavailableCause', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('recognises lost and refused connections, timeouts, shutdowns and SQLITE_BUSY by their own code', () => {
    expect(databaseUnavailableCause(coded('ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(databaseUnavailableCause(coded('57P01', 'terminating connection due to administrator command'))).toBe('57P01');
    expect(databaseUnavailableCause(coded('57014', 'canceling statement due to statement timeout'))).toBe('57014');
    expect(databaseUnavailableCause(coded('08006'))).toBe('08006');
    expect(databaseUnavailableCause(coded('SQLITE_BUSY'))).toBe('SQLITE_BUSY');
    expect(databaseUnavailableCause(new Error('Query read timeout'))).toBe('Query read timeout');
    expect(databaseUnavailableCause(new Error('timeout exceeded when trying to connect'))).toBeDefined();
    expect(databaseUnavailableCause(new Error('Connection terminated unexpectedly'))).toBeDefined();
    expect(databaseUnavailableCause(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]))).toBe('ECONNREFUSED');
  });

  it('leaves bugs and constraint violations alone: they stay 500s and 4xx', () => {
    expect(databaseUnavailableCause(coded('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(databaseUnavailableCause(coded('42P01', 'relation "keys" does not exist'))).toBeUndefined();
    expect(databaseUnavailableCause(coded('SQLITE_CONSTRAINT_UNIQUE'))).toBeUndefined();
    expect(databaseUnavailableCause(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    expect(databaseUnavailableCause('Connection terminated')).toBeUndefined();
    expect(databaseUnavailableCause(null)).toBeUndefined();
  });
});
