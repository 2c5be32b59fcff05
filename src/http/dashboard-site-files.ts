import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { ContentCoding } from './accept-encoding.js';

/** The file's bytes in one content coding, with the validator of those bytes. */
export interface EncodedBody {
  body: Buffer;
  etag: string;
}

/** One file of the built dashboard, held in memory with what its answer needs. */
export interface DashboardFile {
  body: Buffer;
  contentType: string;
  /** A strong validator of the body, quoted as the ETag header carries it. */
  etag: string;
  /** The same content compressed at build time (web/precompress.ts), by coding; empty when the build wrote none. */
  encoded: ReadonlyMap<ContentCoding, EncodedBody>;
}

/** The suffix web/precompress.ts gives each coding's copy of a file. */
const CODING_SUFFIXES: ReadonlyArray<[suffix: string, coding: ContentCoding, decode: (body: Buffer) => Buffer]> = [
  ['.br', 'br', brotliDecompressSync],
  ['.gz', 'gzip', gunzipSync],
];

/**
 * The built dashboard is a few hundred kilobytes; these bounds only stop a KEYWARD_DASHBOARD_DIR pointed at the wrong
 * directory (a home directory, /) from being read into memory whole.
 */
const MAX_FILES = 1_000;
const MAX_TOTAL_BYTES = 50 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The files of the built dashboard (web/, built into KEYWARD_DASHBOARD_DIR), read into memory and looked up by their exact
 * relative path: a request can only ever name a file that was listed here, so no path it sends (`..`, encoded
 * separators, symlinks) reaches the file system. Read again when index.html changes (a rebuild), so `npm run build`
 * while the server runs takes effect without a restart; absent until the directory holds an index.html.
 */
export class DashboardFiles {
  private loaded: { indexModified: number; files: Map<string, DashboardFile> } | undefined;

  constructor(readonly dir: string) {}

  /** The files by relative path (`index.html`, `assets/index-abc123.js`), or undefined when the dashboard is not built. */
  current(): ReadonlyMap<string, DashboardFile> | undefined {
    let indexModified: number;
    try {
      indexModified = statSync(join(this.dir, 'index.html')).mtimeMs;
    } catch {
      this.loaded = undefined;
      return undefined;
    }
    if (this.loaded?.indexModified !== indexModified) this.loaded = { indexModified, files: readTree(this.dir) };
    return this.loaded.files;
  }
}

function readTree(root: string): Map<string, DashboardFile> {
  const files = new Map<string, DashboardFile>();
  let total = 0;
  const visit = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // Symbolic links are not followed: only what the build wrote is served.
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        const body = readFileSync(join(root, path));
        total += body.length;
        if (files.size >= MAX_FILES || total > MAX_TOTAL_BYTES) {
          throw new Error(`${root} holds more than a built dashboard (over ${MAX_FILES} files or ${MAX_TOTAL_BYTES} bytes)`);
        }
        files.set(path, {
          body,
          contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
          etag: etagOf(body),
          encoded: new Map(),
        });
      }
    }
  };
  visit('');
  attachEncodings(files);
  return files;
}

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/**
 * Moves each `<file>.br` and `<file>.gz` from the list of files to its file's encodings, so it is only ever served as
 * `<file>` with a Content-Encoding. A copy that does not decode to the file's current bytes (left by an older build,
 * or cut short) is dropped rather than served under the file's name; one whose file is absent stays an ordinary file.
 * Each coding has its own ETag: a strong validator names one representation's bytes (RFC 9110 §8.8.3).
 */
function attachEncodings(files: Map<string, DashboardFile>): void {
  for (const [path, file] of [...files]) {
    for (const [suffix, coding, decode] of CODING_SUFFIXES) {
      if (!path.endsWith(suffix)) continue;
      const original = files.get(path.slice(0, -suffix.length));
      if (original === undefined) continue;
      files.delete(path);
      let decoded: Buffer | undefined;
      try {
        decoded = decode(file.body);
      } catch {
        decoded = undefined;
      }
      if (decoded?.equals(original.body))
        (original.encoded as Map<ContentCoding, EncodedBody>).set(coding, { body: file.body, etag: file.etag });
    }
  }
}
