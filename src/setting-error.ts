import { maskPassword } from './config/urls.js';
import type { SettingName } from './settings.js';

/**
 * A failure at start that one setting explains (the database it names cannot be reached, does not exist, refuses the
 * password): the CLI prints its message as one line, without a stack, and exits non-zero (src/main.ts). Issue 12,
 * finding 7: an unreachable PostgreSQL used to print `connect ECONNREFUSED` and nothing about where it came from.
 */
export class SettingError extends Error {
  constructor(
    readonly setting: SettingName,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'SettingError';
  }
}

/** Runs `open` (a store opening the database `url` names); a failure becomes a SettingError naming `setting`, password masked. */
export async function openingSetting<T>(setting: SettingName, url: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw new SettingError(setting, `cannot open the database of ${setting} (${maskPassword(url)}): ${reasonOf(error)}`, { cause: error });
  }
}

/** One line. Node's connect gives an AggregateError with an empty message when a name resolves to several addresses. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error instanceof AggregateError ? error.errors.find((e) => e instanceof Error) : undefined;
  const message = error.message || inner?.message || (error as { code?: string }).code || error.name;
  return message.replace(/\s+/g, ' ').trim();
}
