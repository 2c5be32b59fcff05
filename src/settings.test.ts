import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELP } from './cli/index.js';
import { loadConfig } from './config.js';
import { SETTING_NAMES, SETTINGS, shownDefault, type SettingName } from './settings.js';

/**
 * The settings table (settings.ts) is the one list of KEYWARD_* variables: these tests fail when config.ts reads a
 * variable the table lacks, or when the README's configuration table or `keyward --help` leaves one out.
 */

const source = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

/** Every KEYWARD_* name config.ts and src/config/ spell out, and every one loadConfig reads from an empty environment. */
function namesReadByConfig(): Set<string> {
  const files = ['./config.ts', ...readdirSync(new URL('./config/', import.meta.url)).map((name) => `./config/${name}`)];
  const names = new Set(files.flatMap((file) => [...source(file).matchAll(/\bKEYWARD_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0])));
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_, name) => {
      if (typeof name === 'string') names.add(name);
      return undefined;
    },
  });
  loadConfig(env);
  return names;
}

/** The README's configuration table: the variables each row names, and its default column. */
function readmeRows(): { names: string[]; shown: string }[] {
  const section = source('../README.md').split('\n## Configuration\n')[1]!.split('\n## ')[0]!;
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `KEYWARD_'))
    .map((line) => {
      const [, variable = '', shown = ''] = line.split('|');
      return { names: [...variable.matchAll(/`(KEYWARD_[A-Z0-9_]+)`/g)].map((m) => m[1]!), shown };
    });
}

describe('the settings table', () => {
  it('lists every variable config.ts reads, and nothing it does not', () => {
    const read = namesReadByConfig();
    // Not vacuous: config.ts reads two dozen variables, spelled in its source and read from the environment.
    expect(read.size).toBeGreaterThanOrEqual(20);
    expect([...read].sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('gives every setting a default the way loadConfig takes it', () => {
    const config = loadConfig({});
    expect([config.port, config.host, config.logLevel, config.bodyLimit, config.cacheSize]).toEqual([
      SETTINGS.KEYWARD_PORT.default,
      SETTINGS.KEYWARD_HOST.default,
      SETTINGS.KEYWARD_LOG_LEVEL.default,
      SETTINGS.KEYWARD_BODY_LIMIT.default,
      SETTINGS.KEYWARD_CACHE_SIZE.default,
    ]);
    expect([config.vaultHost, config.vaultPort, config.vaultDekMaxEncryptions, config.trustProxy]).toEqual([
      SETTINGS.KEYWARD_VAULT_HOST.default,
      SETTINGS.KEYWARD_VAULT_PORT.default,
      SETTINGS.KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS.default,
      SETTINGS.KEYWARD_TRUST_PROXY.default,
    ]);
    // A setting that is unset by default must read as off.
    for (const name of SETTING_NAMES.filter((n) => shownDefault(n) === 'unset')) expect(SETTINGS[name]).not.toHaveProperty('default');
  });
});

describe('README.md configuration table', () => {
  it('has a row for every setting, with its default, and no row for anything else', () => {
    const rows = readmeRows();
    const documented = rows.flatMap((row) => row.names);
    expect(documented.length).toBeGreaterThanOrEqual(20);
    expect([...documented].sort()).toEqual([...SETTING_NAMES].sort());
    for (const row of rows) {
      for (const name of row.names) expect(row.shown, `default of ${name}`).toContain(shownDefault(name as SettingName));
    }
  });
});

describe('keyward --help', () => {
  it('names every setting config.ts reads, each with its default', () => {
    const section = HELP.split('Configuration is read from')[1]!;
    const read = [...namesReadByConfig()];
    expect(read.length).toBeGreaterThanOrEqual(20);
    for (const name of read) {
      const line = section.split('\n').find((l) => l.startsWith(`  ${name} `));
      expect(line, name).toBeDefined();
      const shown = shownDefault(name as SettingName);
      if (shown !== 'unset') expect(section.slice(section.indexOf(line!)).split('\n  KEYWARD_')[0], name).toContain(`(default ${shown})`);
    }
  });
});
