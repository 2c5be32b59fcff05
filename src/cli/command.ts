import type { Config } from '../config.js';
import type { SettingName } from '../settings.js';
import type { OptionName } from './options.js';

/** What a command receives from the command line, past its name. */
export interface CommandArgs {
  json: boolean;
  positionals: string[];
  workspace?: string;
  name?: string;
  permission?: string[];
  environment?: string;
  grace?: string;
  api?: string;
  algorithm?: string;
  migration?: string;
  selfSigned?: boolean;
  force?: boolean;
  key?: string;
  identity?: string;
  since?: string;
  interval?: string;
  email?: string;
  role?: string;
  workers?: string;
}

/** One `keyward <name>` command: how the CLI runs it, and what `keyward --help` and `keyward <name> --help` say about it. */
export interface CliCommand {
  name: string;
  /** Each way to call it: the arguments after its name (a subcommand first, if it has several forms), and what it does. */
  forms: readonly { args?: string; summary: string }[];
  /** The usage line(s) of its help and its errors; by default one `keyward <name> <args>` per form. */
  usage?: string;
  /** How many positional arguments it takes (or which counts); none when absent. */
  positionals?: number | readonly number[];
  options?: readonly { option: OptionName; value?: string; description: string }[];
  /** Said in `keyward <name> --help` only. */
  details?: string;
  /** The settings it uses; absent: all of them. */
  settings?: readonly SettingName[];
  run(config: Readonly<Config>, args: CommandArgs): Promise<number | undefined>;
}
