import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS, HELP, runCli } from './index.js';

/** runCli's exit code and what it wrote, stdout and stderr apart. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    const code = await runCli(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('keyward <command> --help', () => {
  it('registers every command defined under src/cli/', () => {
    const dir = new URL('.', import.meta.url);
    const defined = readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .flatMap((file) => [...readFileSync(new URL(file, dir), 'utf8').matchAll(/^export const (\w+): CliCommand\b/gm)].map((m) => m[1]));
    expect(defined.length).toBe(COMMANDS.length);
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'start',
      'migrate',
      'bootstrap',
      'workspaces',
      'workspace-limit',
      'root-key',
      'operator',
      'vault',
      'import',
      'cert',
      'audit',
      'usage',
      'backup',
      'restore',
    ]);
  });

  for (const command of COMMANDS) {
    it(`${command.name}: its own usage, forms and options, not the global help`, async () => {
      const [long, short, viaHelp] = [await cli(command.name, '--help'), await cli(command.name, '-h'), await cli('help', command.name)];
      expect(long.code).toBe(0);
      expect(long.stderr).toBe('');
      expect(long.stdout).toMatch(new RegExp(`^Usage: keyward ${command.name}\\b`));
      expect(long.stdout).not.toBe(HELP);
      expect(long.stdout).not.toContain('Commands:');
      for (const form of command.forms) expect(long.stdout.replace(/\s+/g, ' ')).toContain(form.summary.split(' ').slice(0, 6).join(' '));
      for (const { option } of command.options ?? []) expect(long.stdout).toMatch(new RegExp(`^ {2}--${option}\\b`, 'm'));
      for (const setting of command.settings ?? []) expect(long.stdout).toMatch(new RegExp(`^ {2}${setting} `, 'm'));
      expect(short).toEqual(long);
      expect(viaHelp).toEqual(long);
    });
  }

  it('each command says something different', async () => {
    const texts = await Promise.all(COMMANDS.map(async (c) => (await cli(c.name, '--help')).stdout));
    expect(new Set(texts).size).toBe(COMMANDS.length);
  });

  it("takes the subcommand form too: `keyward root-key create --help` is root-key's help", async () => {
    const [form, command] = [await cli('root-key', 'create', '--help'), await cli('root-key', '--help')];
    expect(form).toEqual(command);
  });

  it('a command refuses an option it does not declare, before reading the configuration', async () => {
    const env = process.env.KEYWARD_PORT;
    process.env.KEYWARD_PORT = 'eighty';
    try {
      const [start, vault, bootstrap] = [
        await cli('start', '--json'),
        await cli('vault', 'init', '--workspace', 'ws_1'),
        await cli('bootstrap', '--api', 'x'),
      ];
      expect([start.code, vault.code, bootstrap.code]).toEqual([2, 2, 2]);
      expect(start.stderr).toBe('keyward: start takes no --json option\nusage: keyward start\n');
      expect(vault.stderr).toContain('vault takes no --workspace option');
      expect(bootstrap.stderr).toContain('bootstrap takes no --api option');
      // Declared options pass this check and reach the configuration, which then refuses KEYWARD_PORT.
      const declared = await cli('bootstrap', '--json');
      expect(declared.code).toBe(2);
      expect(declared.stderr).toContain('KEYWARD_PORT');
    } finally {
      if (env === undefined) delete process.env.KEYWARD_PORT;
      else process.env.KEYWARD_PORT = env;
    }
  });

  it("the global help lists each command's forms; `help <unknown>` exits 2", async () => {
    for (const command of COMMANDS) expect(HELP).toMatch(new RegExp(`^ {2}${command.name}\\b`, 'm'));
    expect(HELP).toContain("after a command, that command's usage and options");
    const unknown = await cli('help', 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
