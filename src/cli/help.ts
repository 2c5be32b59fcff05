import { SETTING_NAMES, SETTINGS, shownDefault, type SettingName } from '../settings.js';
import type { CliCommand } from './command.js';

/**
 * The help text, generated: `keyward --help` from every command's declaration (command.ts) and the settings table
 * (src/settings.ts), `keyward <command> --help` from that command's declaration alone.
 */

/** Help text is wrapped to this many columns. */
const WIDTH = 100;

/** Where command descriptions start in the global help. */
const COMMAND_COLUMN = 21;

/** `text` in lines of at most WIDTH columns (a longer word stays whole), each after `indent` spaces; `tail` ends it, unbroken. */
function wrap(text: string, indent: number, tail?: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of [...text.split(/\s+/).filter(Boolean), ...(tail ? [tail] : [])]) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`);
}

/** `label` in a column of `width`, then `text` wrapped beside it; a label too wide for the column gets a line of its own. */
function entry(label: string, text: string, width: number, tail?: string): string {
  const lines = wrap(text, width, tail);
  if (2 + label.length + 1 > width) return `  ${label}\n${lines.join('\n')}\n`;
  return `${[`  ${label.padEnd(width - 2)}${lines[0]!.trimStart()}`, ...lines.slice(1)].join('\n')}\n`;
}

/** The settings table (src/settings.ts) as `keyward --help` prints it: one entry each, with its default unless that is `unset`. */
export function settingsHelp(): string {
  const width = Math.max(...SETTING_NAMES.map((name) => name.length)) + 4;
  return SETTING_NAMES.map((name) => entry(name, SETTINGS[name].description, width, defaultTail(name))).join('');
}

/** `(default X)` after a setting's description, unless it is unset by default (its description then says what unset means). */
function defaultTail(name: SettingName): string | undefined {
  const shown = shownDefault(name);
  return shown === 'unset' ? undefined : `(default ${shown})`;
}

/** The usage line(s) of a command, as its errors and its help print them. */
export function usageOf(command: Pick<CliCommand, 'name' | 'forms' | 'usage'>): string {
  return command.usage ?? command.forms.map((form) => `keyward ${command.name}${form.args ? ` ${form.args}` : ''}`).join('\n       ');
}

/** The global help's list of commands: one entry per form of each. */
export function commandsHelp(commands: readonly CliCommand[]): string {
  return commands
    .flatMap((command) => command.forms.map((form) => synopsisEntry(`${command.name}${form.args ? ` ${form.args}` : ''}`, form.summary)))
    .join('');
}

/** A command's entry in the global help: a synopsis longer than a line continues indented, as in a usage line. */
export function synopsisEntry(synopsis: string, summary: string): string {
  if (2 + synopsis.length + 1 <= COMMAND_COLUMN) return entry(synopsis, summary, COMMAND_COLUMN);
  const lines = wrap(synopsis, 7);
  return `  ${lines[0]!.trimStart()}\n${lines
    .slice(1)
    .map((l) => `${l}\n`)
    .join('')}${wrap(summary, COMMAND_COLUMN).join('\n')}\n`;
}

/** `keyward <command> --help`: its usage, what each form does, its options and the settings it uses. */
export function commandHelp(command: CliCommand): string {
  const parts = [`Usage: ${usageOf(command)}\n`];
  if (command.forms.length === 1) parts.push(`${wrap(command.forms[0]!.summary, 0).join('\n')}\n`);
  else {
    const subcommand = (args = '') => args.split(' ')[0]!;
    const width = Math.max(...command.forms.map((form) => subcommand(form.args).length)) + 4;
    parts.push(command.forms.map((form) => entry(subcommand(form.args), form.summary, width)).join(''));
  }
  if (command.details) parts.push(`${wrap(command.details, 0).join('\n')}\n`);

  const options = [
    ...(command.options ?? []).map((o) => ({ label: `--${o.option}${o.value ? ` ${o.value}` : ''}`, description: o.description })),
    { label: '-h, --help', description: 'Show this help.' },
  ];
  const optionWidth = Math.max(...options.map((o) => o.label.length)) + 4;
  parts.push(`Options:\n${options.map((o) => entry(o.label, o.description, optionWidth)).join('')}`);

  if (command.settings) {
    const width = Math.max(...command.settings.map((name) => name.length)) + 4;
    const lines = command.settings.map((name) => entry(name, SETTINGS[name].description, width, defaultTail(name))).join('');
    parts.push(`Settings it uses (environment variables; \`keyward --help\` lists them all):\n${lines}`);
  } else {
    parts.push('Settings: every KEYWARD_* environment variable; `keyward --help` lists them.\n');
  }
  return parts.join('\n');
}
