/**
 * Which rate-limit override applies to an identifier (docs/unkey-compatibility.md, "Rate-limit overrides"). An override's identifier is a
 * pattern where `*` stands for any run of characters (including none) and everything else is literal,
 * anchored at both ends: `premium_*` matches `premium_` and `premium_user1`, not `xpremium_1`.
 */

export function isWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

/**
 * Matches by splitting on `*` and finding the literal pieces in order, leftmost first. A regular
 * expression would backtrack exponentially on patterns such as `*a*a*a*a*b`, and patterns come
 * from API callers; this is O(pattern x identifier) at worst.
 */
export function matchesPattern(pattern: string, identifier: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === identifier;
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  // Head and tail must not overlap: `a*a` needs at least two characters.
  if (identifier.length < head.length + tail.length) return false;
  if (!identifier.startsWith(head) || !identifier.endsWith(tail)) return false;
  const end = identifier.length - tail.length;
  let at = head.length;
  for (const piece of pieces.slice(1, -1)) {
    if (piece === '') continue;
    const found = identifier.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/**
 * The override for `identifier`: an exact match first (a pattern string is matched literally too),
 * then the first wildcard pattern that matches, in the order given (storage order: upstream ranks
 * no pattern above another by specificity).
 */
export function resolveOverride<T extends { identifier: string }>(overrides: readonly T[], identifier: string): T | undefined {
  return (
    overrides.find((o) => o.identifier === identifier) ??
    overrides.find((o) => isWildcard(o.identifier) && matchesPattern(o.identifier, identifier))
  );
}
