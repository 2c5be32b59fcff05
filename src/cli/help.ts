import { SETTING_NAMES, SETTINGS, shownDefault } from '../settings.js';

/** Help text is wrapped to this many columns. */
const WIDTH = 100;

/** `text` in lines of at most WIDTH columns (a longer word stays whole), each after `indent` spaces; `tail` ends it, unbroken. */
export function wrap(text: string, indent: number, tail?: string): string[] {
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
export function entry(label: string, text: string, width: number, tail?: string): string {
  const lines = wrap(text, width, tail);
  if (label.length + 2 + 2 > width) return `  ${label}\n${lines.join('\n')}\n`;
  return `${[`  ${label.padEnd(width - 2)}${lines[0]!.trimStart()}`, ...lines.slice(1)].join('\n')}\n`;
}

/** The settings table (src/settings.ts) as `keyward --help` prints it: one entry each, with its default unless that is `unset`. */
export function settingsHelp(): string {
  const width = Math.max(...SETTING_NAMES.map((name) => name.length)) + 4;
  return SETTING_NAMES.map((name) => {
    const shown = shownDefault(name);
    return entry(name, SETTINGS[name].description, width, shown === 'unset' ? undefined : `(default ${shown})`);
  }).join('');
}
