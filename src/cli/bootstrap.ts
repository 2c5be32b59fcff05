import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { WorkspaceService } from '../services/workspaces.js';
import { openMainStore } from '../storage/open-configured.js';

export async function bootstrapCommand(config: Readonly<Config>, args: { json: boolean }): Promise<number> {
  const store = await openMainStore(config);
  try {
    const created = await new WorkspaceService({ store, clock: systemClock }).bootstrap();
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ workspaceId: created.workspaceId, rootKey: created.rootKey })}\n`);
    } else {
      process.stdout.write(`Created workspace ${created.workspaceId}.\nRoot key (shown once, store it now): ${created.rootKey}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
