/** The content codings the dashboard's files may be stored in besides identity (web/precompress.ts writes them). */
export type ContentCoding = 'br' | 'gzip';

/** In the server's order of preference: brotli is the smaller, so it wins a tie. */
const PREFERENCE: readonly ContentCoding[] = ['br', 'gzip'];

/**
 * The coding to answer in, from a request's Accept-Encoding (RFC 9110 §12.5.3) and the codings the file has: the
 * acceptable one (q above 0, named or through `*`) with the highest q, ties going to PREFERENCE; undefined for identity,
 * which is also the answer to no header at all. Codings are case-insensitive; `x-gzip` is gzip's old alias.
 */
export function chooseContentCoding(header: string | string[] | undefined, available: readonly ContentCoding[]): ContentCoding | undefined {
  if (header === undefined || available.length === 0) return undefined;
  const weights = new Map<string, number>();
  for (const element of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [name = '', ...params] = element.split(';').map((part) => part.trim().toLowerCase());
    if (name === '') continue;
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(param);
      if (match) q = Number(match[1]);
    }
    const coding = name === 'x-gzip' ? 'gzip' : name;
    // A coding listed twice keeps its first weight, as the most specific reading of a malformed header.
    if (!weights.has(coding)) weights.set(coding, q);
  }
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    if (!available.includes(coding)) continue;
    const q = weights.get(coding) ?? weights.get('*') ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
