import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { MAX_MIGRATE_KEYS } from '../contract/key-migrations.js';
import { systemClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { isMigrationAlgorithm, MIGRATION_ALGORITHMS, type MigrationAlgorithm } from '../core/key-migration.js';
import { systemContext, type RequestContext } from '../services/context.js';
import { KeyMigrationService } from '../services/key-migrations.js';
import type { KeyMigrationRecord } from '../storage/store.js';
import { openMainStore } from '../storage/open-configured.js';
import { announcer } from './announcer.js';
import { usageOf } from './help.js';
import { ImportFileError, importFormat, parseImport, type ImportRecord, type RejectedRecord } from './import-file.js';
import { progressBar } from './progress.js';
import { importCli } from './commands.js';

export const IMPORT_USAGE = usageOf(importCli);

export interface ImportArgs {
  json: boolean;
  positionals: string[];
  workspace?: string;
  api?: string;
  algorithm?: string;
  migration?: string;
}

/**
 * The operator's authority over the workspace, spelled as the permissions importing needs (docs/unkey-compatibility.md,
 * "Permission requirements"): create_key, and giving the imported keys their permissions (created when missing) and roles.
 */
const IMPORT_PERMISSIONS = ['api.*.create_key', 'rbac.*.add_permission_to_key', 'rbac.*.create_permission', 'rbac.*.add_role_to_key'];

/** Keys per keys.migrateKeys call: one transaction each. */
const BATCH = Math.min(500, MAX_MIGRATE_KEYS);

interface Summary {
  migration: KeyMigrationRecord;
  created: boolean;
  imported: number;
  skipped: number;
  failed: RejectedRecord[];
}

const usage = (problem: string): number => {
  process.stderr.write(`keyward: ${problem}\nusage: ${IMPORT_USAGE}\n`);
  return 2;
};

const failure = (message: string): number => {
  process.stderr.write(`keyward import: ${message}\n`);
  return 1;
};

/**
 * `keyward import FILE`: imports keys from a JSON or CSV export (import-file.ts) into an API, through the
 * service behind keys.migrateKeys, in batches, as the system actor `cli` with the operator's authority over the
 * workspace (audited like the endpoint). Without --migration it uses the workspace's oldest migration for the
 * algorithm (default sha256_base64), creating one the first time, so running it again imports nothing new and
 * reports every key as already present. Progress goes to stderr, the summary to stdout; exit 1 if any record
 * could not be imported.
 */
export async function importCommand(config: Readonly<Config>, args: ImportArgs): Promise<number> {
  const [file] = args.positionals;
  if (file === undefined || !args.api || !args.workspace) return usage('FILE, --api and --workspace are required');
  if (args.algorithm !== undefined && !isMigrationAlgorithm(args.algorithm)) {
    return usage(`unknown --algorithm "${args.algorithm}" (one of ${MIGRATION_ALGORITHMS.join(', ')})`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return failure(`cannot read ${file}: ${(error as Error).message}`);
  }

  const workspaceId = args.workspace;
  const apiId = args.api;
  const store = await openMainStore(config);
  const announce = announcer(config);
  try {
    if (!(await store.findWorkspace(workspaceId))) return failure(`no workspace "${workspaceId}"`);
    if (!(await store.findApi(workspaceId, apiId))) return failure(`no API "${apiId}" in workspace "${workspaceId}"`);
    const service = new KeyMigrationService({ store, clock: systemClock, bus: announce.bus });
    const ctx: RequestContext = { ...systemContext(workspaceId, 'cli'), permissions: new Set(IMPORT_PERMISSIONS) };

    let migration: KeyMigrationRecord & { algorithm: MigrationAlgorithm };
    let created = false;
    if (args.migration !== undefined) {
      try {
        migration = await service.find(ctx, args.migration);
      } catch (error) {
        if (error instanceof KeywardError && error.code === 'migration_not_found')
          return failure(`no migration "${args.migration}" in workspace "${workspaceId}"`);
        throw error;
      }
      if (args.algorithm !== undefined && args.algorithm !== migration.algorithm) {
        return usage(`migration ${migration.id} is for ${migration.algorithm} hashes, not ${args.algorithm}`);
      }
    } else {
      const found = await service.findOrCreate(ctx, (args.algorithm as MigrationAlgorithm | undefined) ?? 'sha256_base64');
      migration = { ...found.migration, algorithm: found.migration.algorithm as MigrationAlgorithm };
      created = found.created;
    }

    let parsed;
    try {
      parsed = parseImport(text, importFormat(file, text), migration.algorithm);
    } catch (error) {
      if (error instanceof ImportFileError) return failure(`${file}: ${error.message}`);
      throw error;
    }
    for (const warning of parsed.warnings) process.stderr.write(`keyward import: ${warning}\n`);

    const summary: Summary = { migration, created, imported: 0, skipped: 0, failed: [...parsed.rejected] };
    const bar = progressBar(process.stderr, 'Importing keys');
    let done = parsed.rejected.length;
    bar.update(done, parsed.total);
    for (let i = 0; i < parsed.records.length; i += BATCH) {
      const batch = parsed.records.slice(i, i + BATCH);
      await importBatch(service, ctx, migration.id, apiId, batch, summary);
      done += batch.length;
      bar.update(done, parsed.total);
    }
    bar.done();

    if (args.json) {
      const { imported, skipped, failed } = summary;
      process.stdout.write(
        `${JSON.stringify({ migrationId: migration.id, algorithm: migration.algorithm, created, imported, skipped, failed: failed.map((f) => ({ record: f.label, reason: f.reason })) })}\n`,
      );
    } else {
      process.stdout.write(report(summary, apiId, workspaceId));
      if (migration.algorithm === 'sha256_base64' && summary.imported > 0 && !announce.announced())
        process.stdout.write(`${announce.notice()}\n`);
    }
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    await announce.close();
    await store.close();
  }
}

/**
 * One keys.migrateKeys call. A batch the service refuses as a whole (one entry breaks a rule only the database
 * can check, such as an unknown role) writes nothing, so each of its records is tried alone to tell which failed.
 */
async function importBatch(
  service: KeyMigrationService,
  ctx: RequestContext,
  migrationId: string,
  apiId: string,
  batch: ImportRecord[],
  summary: Summary,
): Promise<void> {
  try {
    const result = await service.migrateKeys(ctx, { migrationId, apiId, keys: batch.map((r) => r.key) });
    summary.imported += result.migrated.length;
    summary.skipped += result.failed.length;
    return;
  } catch (error) {
    if (!(error instanceof KeywardError) || error.code === 'unexpected_error') throw error;
    if (batch.length === 1) {
      summary.failed.push({ label: batch[0]!.label, reason: error.detail });
      return;
    }
  }
  for (const record of batch) await importBatch(service, ctx, migrationId, apiId, [record], summary);
}

function report(summary: Summary, apiId: string, workspaceId: string): string {
  const { migration, created, imported, skipped, failed } = summary;
  const lines = [
    `${created ? 'Created' : 'Using'} migration ${migration.id} (${migration.algorithm}).`,
    `Imported ${imported} key(s) into API ${apiId} of workspace ${workspaceId}.`,
    `Skipped ${skipped} key(s) already present.`,
    `Failed ${failed.length} key(s)${failed.length > 0 ? ':' : '.'}`,
    ...failed.map((f) => `  ${f.label}: ${f.reason}`),
    migration.algorithm === 'sha256_base64'
      ? 'Imported keys verify as they are; each records its real start on its first verification.'
      : `Verify imported keys with "migrationId": "${migration.id}" in keys.verifyKey; each moves to Keyward's hash on its first verification.`,
  ];
  return `${lines.join('\n')}\n`;
}
