import type { ParseArgsConfig } from 'node:util';

/** Every option the command line accepts (node:util parseArgs); each command's help says which it takes. */
export const OPTIONS = {
  json: { type: 'boolean', default: false },
  // root-key create/list/reroll, import, audit verify
  workspace: { type: 'string' },
  name: { type: 'string' },
  permission: { type: 'string', multiple: true },
  environment: { type: 'string' },
  grace: { type: 'string' },
  // import
  api: { type: 'string' },
  algorithm: { type: 'string' },
  migration: { type: 'string' },
  // usage
  key: { type: 'string' },
  identity: { type: 'string' },
  since: { type: 'string' },
  interval: { type: 'string' },
  // operator
  email: { type: 'string' },
  role: { type: 'string' },
  // cert
  'self-signed': { type: 'boolean', default: false },
  // start
  workers: { type: 'string' },
  // restore
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type OptionName = keyof typeof OPTIONS;
