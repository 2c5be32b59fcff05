import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** Text assets worth compressing; images and fonts under assets/ are compressed formats already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|svg|json|txt)$/;

/**
 * Writes a brotli (`.br`) and a gzip (`.gz`) copy beside every compressible file the build puts under assets/, at the
 * strongest settings: compressed once per build, never per request. The server (src/http/dashboard-site-files.ts) holds
 * them as other encodings of the same file and picks one by the request's Accept-Encoding. A copy no smaller than the
 * file is not written. index.html is left alone: it is a few hundred bytes and revalidated on every load.
 */
export function precompressAssets(): Plugin {
  return {
    name: 'keyward-precompress-assets',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir;
      if (!dir) return;
      for (const fileName of Object.keys(bundle)) {
        if (!fileName.startsWith('assets/') || !COMPRESSIBLE.test(fileName)) continue;
        const path = join(dir, fileName);
        const body = readFileSync(path);
        const br = brotliCompressSync(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        });
        const gzip = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
        if (br.length < body.length) writeFileSync(`${path}.br`, br);
        if (gzip.length < body.length) writeFileSync(`${path}.gz`, gzip);
      }
    },
  };
}
