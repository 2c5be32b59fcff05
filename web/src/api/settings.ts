import { call, type ListPage } from './client';
import type { Role } from './dashboard';

/** The dashboard.* operations of the Settings page (shapes from src/contract/dashboard.ts). */

export interface WorkspaceSettings {
  workspace: { id: string; name: string; createdAt: number };
  role: Role;
  /** `perMinute` absent: unlimited. */
  apiRateLimit: { perMinute?: number; source: 'workspace' | 'server_default' | 'none' };
}

export interface VaultStatus {
  mode: 'none' | 'local' | 'remote';
  recoverableKeys: boolean;
  answers?: boolean;
  problem?: string;
  masterKeyVersions?: { configured: number[]; inUse: number[] };
}

export type DependencyState = 'ok' | 'unavailable' | 'timeout' | 'unused' | 'unchecked';

export interface NodeInfo {
  id: string;
  name: string;
  hostname: string;
  version: string;
  engine: 'sqlite' | 'postgres';
  database: DependencyState;
  redis: DependencyState;
  startedAt: number;
  lastSeenAt: number;
  current: boolean;
  status: 'up' | 'gone';
}

export interface Operator {
  id: string;
  email: string;
  role: Role;
  mfaEnrolled: boolean;
  createdAt: number;
}

/** The node list with the heartbeat it is judged by; one page (the registry holds a row per running node). */
export interface NodeList extends ListPage<NodeInfo> {
  heartbeatSeconds: number;
}

export const settings = {
  getWorkspace: () => call<WorkspaceSettings>('dashboard.getWorkspaceSettings'),
  getVaultStatus: () => call<VaultStatus>('dashboard.getVaultStatus'),
  listNodes: async (): Promise<NodeList> => {
    const { heartbeatSeconds, nodes } = await call<{ heartbeatSeconds: number; nodes: NodeInfo[] }>('dashboard.listNodes');
    return { heartbeatSeconds, items: nodes };
  },
  /** A workspace's operators come in one answer; as a page, so the list reuses pages/paged-list.tsx. */
  listOperators: async (): Promise<ListPage<Operator>> => ({
    items: (await call<{ operators: Operator[] }>('dashboard.listOperators')).operators,
  }),
  createOperator: (email: string, password: string, role: Role) =>
    call<{ operatorId: string }>('dashboard.createOperator', { email, password, role }),
  updateOperatorRole: (operatorId: string, role: Role) => call<Record<string, never>>('dashboard.updateOperatorRole', { operatorId, role }),
  removeOperator: (operatorId: string) => call<Record<string, never>>('dashboard.removeOperator', { operatorId }),
};

export const ROLE_LABELS: Record<Role, string> = { admin: 'Admin', member: 'Member', read_only: 'Read-only' };
