import type { Config } from '../config.js';
import { verifyAuditChain, type ChainReport } from '../services/audit-chain.js';
import { openMainStore } from '../storage/open-configured.js';
import { usageOf } from './help.js';
import { auditCli } from './commands.js';

/** `keyward audit verify [--workspace <id>]`: 0 when every chain checked is intact, 1 when one is broken or unknown. */
export async function auditCommand(
  config: Readonly<Config>,
  args: { json: boolean; positionals: string[]; workspace?: string },
): Promise<number> {
  if (args.positionals[0] !== 'verify') {
    process.stderr.write(`keyward: unknown command "audit ${args.positionals.join(' ')}"\nusage: ${usageOf(auditCli)}\n`);
    return 2;
  }
  const store = await openMainStore(config);
  try {
    const audited = await store.listAuditedWorkspaces();
    if (args.workspace !== undefined && !audited.includes(args.workspace) && !(await store.findWorkspace(args.workspace))) {
      process.stderr.write(`keyward: no workspace "${args.workspace}"\n`);
      return 1;
    }
    const reports: ChainReport[] = [];
    for (const workspaceId of args.workspace === undefined ? audited : [args.workspace]) {
      reports.push(await verifyAuditChain(store, workspaceId));
    }
    process.stdout.write(args.json ? `${JSON.stringify(reports)}\n` : reports.map(line).join(''));
    return reports.some((r) => r.broken) ? 1 : 0;
  } finally {
    await store.close();
  }
}

function line(r: ChainReport): string {
  if (!r.broken) return `${r.workspaceId}: intact, ${r.checked} record(s), last hash ${r.headHash}\n`;
  const at = r.broken.recordId === null ? '' : ` at record ${r.broken.recordId}`;
  return `${r.workspaceId}: BROKEN${at}: ${r.broken.reason} (${r.checked} record(s) before it are intact)\n`;
}
