import { resolve } from 'node:path';
import type { SettingName } from '../settings.js';

/**
 * The parsers every setting goes through. They read only the env loadConfig (config.ts) hands them, never
 * process.env, and push a problem instead of throwing, so every problem is reported together.
 */

export function integer(env: NodeJS.ProcessEnv, name: SettingName, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

/** The variable trimmed; unset reads as empty. */
export function text(env: NodeJS.ProcessEnv, name: SettingName): string {
  return env[name]?.trim() ?? '';
}

/** A file path, resolved; unset or empty: null. */
export function file(env: NodeJS.ProcessEnv, name: SettingName): string | null {
  const path = text(env, name);
  return path ? resolve(path) : null;
}

/** At most this many: credit alerts keep one bit per threshold in an integer column (storage/sql/alerts.ts). */
const MAX_PERCENTS = 20;

/**
 * Percentages, comma-separated, strictly ascending, each from 1 to 100, at most MAX_PERCENTS (`fallback` when unset);
 * `off`: none.
 */
export function percentList(env: NodeJS.ProcessEnv, name: SettingName, fallback: string, problems: string[]): number[] {
  const raw = text(env, name) || fallback;
  if (raw === 'off') return [];
  const values = raw.split(',').map((part) => part.trim());
  const numbers = values.map(Number);
  const valid =
    values.length <= MAX_PERCENTS &&
    values.every((v) => /^\d+$/.test(v)) &&
    numbers.every((n, i) => n >= 1 && n <= 100 && (i === 0 || n > numbers[i - 1]!));
  if (!valid) {
    problems.push(`${name} must be up to ${MAX_PERCENTS} percentages from 1 to 100, comma-separated and ascending, or off; got "${raw}"`);
    return fallback.split(',').map(Number);
  }
  return numbers;
}
