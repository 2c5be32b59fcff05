/** What a service needs to know about the call it serves: who, on which workspace, and where from (for audit). */
export interface RequestContext {
  workspaceId: string;
  actor: { type: 'root_key' | 'system' | 'user' | 'operator'; id: string; name?: string | null };
  /** The caller's permissions; services check them where the rule depends on the resource. */
  permissions: ReadonlySet<string>;
  requestId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  /**
   * The request sent X-Forwarded-For, and sourceIp ignored it: KEYWARD_TRUST_PROXY does not trust its peer
   * (admission.ts). Absent otherwise. Verification warns when an IP whitelist then sees the proxy.
   */
  forwardedForIgnored?: true;
}

/** The context of work done by Keyward itself (CLI commands, first-start bootstrap). */
export function systemContext(workspaceId: string, what: string): RequestContext {
  return {
    workspaceId,
    actor: { type: 'system', id: what },
    permissions: new Set(),
    requestId: null,
    sourceIp: null,
    userAgent: null,
  };
}
