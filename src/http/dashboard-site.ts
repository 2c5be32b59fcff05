import type { FastifyInstance, FastifyReply } from 'fastify';
import { chooseContentCoding } from './accept-encoding.js';
import { DashboardFiles } from './dashboard-site-files.js';
import { sendError } from './errors.js';

/**
 * The dashboard's Content-Security-Policy: everything from Keyward itself, no inline script or style element, no
 * plugin, no framing. `img-src data:` is for the MFA enrolment's QR code, which the page shows as an <img> of a data:
 * URL (web/src/pages/EnrolMfaPage.tsx) rather than inserting the server's SVG into the document.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** On every answer under /dashboard, files, fallbacks and errors alike. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

/** Vite names every file under assets/ by a hash of its content, so a name never changes meaning: cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A last path segment with an extension names a file; anything else is one of the app's own routes (/dashboard/apis). */
const NAMES_A_FILE = /\.[A-Za-z0-9]+$/;

/**
 * Serves the built dashboard at /dashboard/: its files as built, index.html for every client-side route (the app
 * routes in the browser, web/src/router.ts), and a 503 `dashboard_not_built` naming `npm run build` when the directory
 * holds no build. index.html is revalidated on every load (`no-cache` with an ETag), so a new build is picked up at once.
 * A file the build also wrote compressed is answered in the coding the request accepts (brotli before gzip), else as
 * it is; such a file always says `Vary: Accept-Encoding`, so a cache in front keeps one copy per coding.
 */
export function registerDashboardSite(app: FastifyInstance, dir: string): void {
  const site = new DashboardFiles(dir);
  app.get('/dashboard', { schema: { hide: true } }, (_request, reply) => reply.headers(DASHBOARD_HEADERS).redirect('/dashboard/', 308));
  app.get('/dashboard/*', { schema: { hide: true } }, (request, reply): FastifyReply => {
    reply.headers(DASHBOARD_HEADERS);
    const files = site.current();
    if (files === undefined) {
      return sendError(
        request,
        reply,
        'dashboard_not_built',
        `The dashboard is not built: ${dir} holds no index.html. Run \`npm run build\` (npm start does it), or set KEYWARD_DASHBOARD_DIR.`,
      );
    }
    const path = (request.params as { '*': string })['*'];
    const file = NAMES_A_FILE.test(path) ? files.get(path) : files.get('index.html');
    if (file === undefined) {
      return sendError(request, reply, 'route_not_found', `The dashboard has no file ${path}.`);
    }
    reply.header('cache-control', path.startsWith('assets/') ? IMMUTABLE : 'no-cache');
    const coding = chooseContentCoding(request.headers['accept-encoding'], [...file.encoded.keys()]);
    const representation = (coding && file.encoded.get(coding)) || file;
    if (file.encoded.size > 0) reply.header('vary', 'Accept-Encoding');
    reply.header('etag', representation.etag);
    if (request.headers['if-none-match'] === representation.etag) return reply.code(304).send();
    if (coding) reply.header('content-encoding', coding);
    return reply.type(file.contentType).send(representation.body);
  });
}
