/**
 * The key cache's entry name for a verification lookup: the caller's workspace and the key's hash. A hash is unique
 * per workspace only, and one workspace's lookup must never be answered from another's record, so the workspace is
 * part of the name. A hash (base64 or hex) never contains ':', so the pair reads back unambiguously from the last ':'.
 */
export const keyCacheKey = (workspaceId: string, hash: string): string => `${workspaceId}:${hash}`;
