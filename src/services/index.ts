import { AnalyticsService } from './analytics.js';
import { AnalyticsChartsService } from './analytics-charts.js';
import { ApiService } from './apis.js';
import { AuditLogService } from './audit-log.js';
import { IdentityService } from './identities.js';
import { KeyAccessService } from './keys/access.js';
import { KeyMigrationService } from './key-migrations.js';
import { KeyService } from './keys/lifecycle.js';
import { PermissionService } from './permissions.js';
import { RatelimitService } from './ratelimits.js';
import { RootKeyService } from './root-keys.js';
import { WorkspaceService } from './workspaces.js';
import { VerifyService } from './verify/verify-key.js';
import type { ServiceDeps } from './deps.js';
import { DashboardService } from './operators/dashboard.js';
import { OperatorAdminService } from './operators/operator-admin.js';
import { OperatorAuthentication } from './operators/operator-authentication.js';
import type { NodeRegistry } from './node-registry.js';
import { VaultStatusService } from './vault-status.js';
import { WorkspaceSettingsService } from './workspace-settings.js';
import { LeakReportService } from './leak-reports/service.js';
import { WebhookService } from './webhooks.js';
import type { RatelimitExceededAlerts } from './alerts/ratelimit-exceeded.js';

export interface Services {
  apis: ApiService;
  keys: KeyService;
  /** A key's direct permissions and roles. */
  keyAccess: KeyAccessService;
  /** Importing keys by hash (keys.migrateKeys) and their migrations. */
  keyMigrations: KeyMigrationService;
  permissions: PermissionService;
  identities: IdentityService;
  verify: VerifyService;
  auditLog: AuditLogService;
  workspaces: WorkspaceService;
  ratelimits: RatelimitService;
  /** Keyward-only root-key management. */
  rootKeys: RootKeyService;
  /** analytics.getVerifications and analytics.getRatelimits. */
  analytics: AnalyticsService;
  /** Keyward-only chart reads of the verification rollups. */
  analyticsCharts: AnalyticsChartsService;
  /** Dashboard sign-in: setup link, passwords, MFA, sessions (decision 0015). */
  dashboard: DashboardService;
  /** A workspace's operators, managed by its admins and the CLI. */
  operators: OperatorAdminService;
  /** A dashboard session acting on /v2/* (http/admission.ts). */
  operatorAuthentication: OperatorAuthentication;
  /** The dashboard's Settings: the operator's workspace, the vault, the nodes. */
  workspaceSettings: WorkspaceSettingsService;
  vaultStatus: VaultStatusService;
  /** The registry of running nodes; null when this process registers none (a server always does). */
  nodes: NodeRegistry | null;
  /** Leak reports in GitHub's secret-scanning partner protocol; null without KEYWARD_LEAK_REPORT_KEYS (no endpoint). */
  leakReports: LeakReportService | null;
  /** Keyward-only webhook endpoints and their delivery log. */
  webhooks: WebhookService;
  /** `ratelimit.exceeded` counters and claims (decision 0027); null with KEYWARD_ALERT_RATELIMIT_REFUSALS=0. */
  ratelimitAlerts: RatelimitExceededAlerts | null;
}

export function createServices(deps: ServiceDeps): Services {
  const dashboard = new DashboardService({
    store: deps.store,
    clock: deps.clock,
    limiter: deps.limiter,
    vault: deps.vault ?? null,
    ...(deps.dashboardSessions ? { sessions: deps.dashboardSessions } : {}),
  });
  return {
    apis: new ApiService(deps),
    keys: new KeyService(deps),
    keyAccess: new KeyAccessService(deps),
    keyMigrations: new KeyMigrationService(deps),
    permissions: new PermissionService(deps),
    identities: new IdentityService(deps),
    verify: new VerifyService(deps),
    auditLog: new AuditLogService(deps),
    workspaces: new WorkspaceService(deps),
    ratelimits: new RatelimitService(deps),
    rootKeys: new RootKeyService(deps),
    analytics: new AnalyticsService(deps),
    analyticsCharts: new AnalyticsChartsService(deps),
    dashboard,
    operators: new OperatorAdminService(deps),
    operatorAuthentication: new OperatorAuthentication({ store: deps.store, dashboard }),
    workspaceSettings: new WorkspaceSettingsService(deps),
    vaultStatus: new VaultStatusService(deps),
    nodes: deps.nodes ?? null,
    leakReports: deps.leakReports ? new LeakReportService(deps, deps.leakReports) : null,
    webhooks: new WebhookService(deps),
    ratelimitAlerts: deps.ratelimitAlerts ?? null,
  };
}
