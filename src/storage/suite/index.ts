import { describe } from 'vitest';
import { apiCases } from './apis.suite.js';
import { auditCases } from './audit.suite.js';
import { changeLogCases } from './change-log.suite.js';
import { creditCases } from './credits.suite.js';
import { encryptedKeyCases } from './encrypted-keys.suite.js';
import { openStoreSuite, type OpenedStore } from './fixtures.js';
import { identityCases } from './identities.suite.js';
import { keyMigrationCases } from './key-migrations.suite.js';
import { keyLifetimeCases } from './key-lifetimes.suite.js';
import { keyCases } from './keys.suite.js';
import { leakCases } from './leaks.suite.js';
import { nodeCases } from './nodes.suite.js';
import { operatorCases } from './operators.suite.js';
import { pingCases } from './ping.suite.js';
import { pruningCases } from './pruning.suite.js';
import { ratelimitCases } from './ratelimits.suite.js';
import { rbacCases } from './rbac.suite.js';
import { rootKeyCases } from './root-keys.suite.js';
import { transactionCases } from './transactions.suite.js';
import { usageCases } from './usage.suite.js';
import { webhookCases } from './webhooks.suite.js';
import { workspaceCases } from './workspaces.suite.js';

export type { OpenedStore } from './fixtures.js';

/**
 * The one conformance suite every Store implementation runs (each engine's runner in src/storage/sql/ calls it).
 * It states the contract of each StoreOps method (src/storage/store.ts) as behaviour a caller can observe, so an
 * engine that passes here can replace another. One file per business area; a new store method gets its cases in
 * its area's file. Tests isolate by workspace on one shared store; the few that touch store-wide state
 * (first start, refill) open a store of their own.
 */
export function storeConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    const suite = openStoreSuite(open);
    workspaceCases(suite);
    rootKeyCases(suite);
    apiCases(suite);
    identityCases(suite);
    ratelimitCases(suite);
    keyCases(suite);
    encryptedKeyCases(suite);
    creditCases(suite);
    keyLifetimeCases(suite);
    usageCases(suite);
    keyMigrationCases(suite);
    rbacCases(suite);
    auditCases(suite);
    changeLogCases(suite);
    operatorCases(suite);
    nodeCases(suite);
    leakCases(suite);
    webhookCases(suite);
    pruningCases(suite);
    transactionCases(suite);
    pingCases(suite);
  });
}
