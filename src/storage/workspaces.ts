/** Workspaces and the first-start marker of bootstrap. */

export interface WorkspaceRecord {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: number;
}

/** A live workspace as the store finds it by id. */
export interface LiveWorkspace extends WorkspaceRecord {
  /** Requests per minute of its own; null: KEYWARD_WORKSPACE_RATE_LIMIT applies. */
  apiRateLimit: number | null;
}

/** A live workspace as `keyward workspaces list` shows it (issue 12, finding 8): never a secret. */
export interface WorkspaceSummary extends LiveWorkspace {
  /** Its root keys not deleted (expired or disabled ones included). */
  rootKeys: number;
}

export interface WorkspaceOps {
  insertWorkspace(workspace: WorkspaceRecord): Promise<void>;
  /** Marks the first start done; false if it already was (so it happens once). */
  claimFirstStart(now: number): Promise<boolean>;
  /** The live workspace with this id. */
  findWorkspace(workspaceId: string): Promise<LiveWorkspace | undefined>;
  /** Every live workspace, oldest first. */
  listWorkspaces(): Promise<WorkspaceSummary[]>;
  /**
   * Sets the workspace's own API rate limit (requests per minute; null removes it, so the server-wide
   * default applies). False (writing nothing) if the workspace is not live.
   */
  setWorkspaceApiRateLimit(workspaceId: string, limit: number | null): Promise<boolean>;
}
