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
