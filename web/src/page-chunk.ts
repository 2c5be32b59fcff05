/**
 * Loading a page's chunk (App.tsx, React.lazy) in a tab that may outlive the build it was loaded from. Chunk files are
 * named by the hash of their content and an upgrade replaces them all, so a tab left open across an upgrade asks for
 * files that are gone the first time it opens a page it had not visited. The page is then reloaded once, which fetches
 * the new index.html (served no-cache) and the new build's chunks; if the chunk fails again soon after such a reload
 * (the server's files really are missing, or the network is down), no further reload is tried: the failure is thrown
 * as a PageChunkFailed for PageChunkBoundary to show, with a Reload button.
 */

/** Where the time of the last reload for a failed chunk is kept: per tab, and it survives the reload. */
const RELOADED_AT_KEY = 'keyward.pageChunkReloadedAt';
/** A chunk that fails again within this long of that reload is shown as failed instead of reloading again. */
const RELOAD_GUARD_MS = 60_000;

/** A page's code could not be fetched, even after the page was reloaded for it (or reloading is not possible). */
export class PageChunkFailed extends Error {
  constructor(readonly reason: unknown) {
    super('This page could not be loaded.');
    this.name = 'PageChunkFailed';
  }
}

/**
 * `load()` (a dynamic import); when it fails, the page reloads once (the returned promise then never settles, so
 * nothing renders the failure meanwhile), or, when it has just reloaded for that, rejects with PageChunkFailed.
 */
export async function loadPageChunk<Module>(load: () => Promise<Module>): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    if (reloadOnce()) return new Promise<Module>(() => undefined);
    throw new PageChunkFailed(error);
  }
}

/** Reloads the page unless it was reloaded for a failed chunk less than RELOAD_GUARD_MS ago; true when it does. */
function reloadOnce(): boolean {
  const now = Date.now();
  try {
    const last = Number(sessionStorage.getItem(RELOADED_AT_KEY));
    // A time in the future (the clock was set back) does not hold the guard forever.
    if (Number.isFinite(last) && last <= now && now - last < RELOAD_GUARD_MS) return false;
    sessionStorage.setItem(RELOADED_AT_KEY, String(now));
  } catch {
    // No session storage (blocked by the browser): without the guard a reload could loop, so none is tried.
    return false;
  }
  window.location.reload();
  return true;
}
