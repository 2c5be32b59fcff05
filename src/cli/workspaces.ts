import type { Config } from '../config.js';
import { openMainStore } from '../storage/open-configured.js';
import type { WorkspaceSummary } from '../storage/store.js';
import { usageOf } from './help.js';
import { workspacesCli } from './commands.js';

/** `keyward workspaces list`: what exists in the store, for an operator who has no root key yet (issue 12, finding 8). */
export async function workspacesCommand(config: Readonly<Config>, args: { json: boolean; positionals: string[] }): Promise<number> {
  if (args.positionals[0] !== 'list') {
    process.stderr.write(`keyward: unknown command "workspaces ${args.positionals.join(' ')}"\nusage: ${usageOf(workspacesCli)}\n`);
    return 2;
  }
  const store = await openMainStore(config);
  try {
    const workspaces = await store.listWorkspaces();
    if (args.json) process.stdout.write(`${JSON.stringify(workspaces)}\n`);
    else if (workspaces.length === 0)
      process.stdout.write('No workspaces yet: the first `keyward start` creates one and prints its root key.\n');
    else process.stdout.write(workspaces.map(line).join(''));
    return 0;
  } finally {
    await store.close();
  }
}

const line = (w: WorkspaceSummary): string =>
  `${w.id}  ${JSON.stringify(w.name)}  created ${new Date(w.createdAt).toISOString()}  ${w.enabled ? 'enabled' : 'disabled'}  ` +
  `rate limit ${w.apiRateLimit === null ? 'default' : `${w.apiRateLimit}/min`}  ` +
  `${w.rootKeys} root key${w.rootKeys === 1 ? '' : 's'}\n`;
