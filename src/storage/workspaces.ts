/** Workspaces and the first-start marker of bootstrap. */

export interface WorkspaceRecord {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: number;
}

export interface WorkspaceOps {
  insertWorkspace(workspace: WorkspaceRecord): Promise<void>;
  /** Marks the first start done; false if it already was (so it happens once). */
  claimFirstStart(now: number): Promise<boolean>;
  /** The live workspace with this id. */
  findWorkspace(workspaceId: string): Promise<WorkspaceRecord | undefined>;
  /**
   * Sets the workspace's own API rate limit (requests per minute; null removes it, so the server-wide
   * default applies). False (writing nothing) if the workspace is not live.
   */
  setWorkspaceApiRateLimit(workspaceId: string, limit: number | null): Promise<boolean>;
}
