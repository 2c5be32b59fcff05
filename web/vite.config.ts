import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { precompressAssets } from './precompress.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The dashboard's build: web/ into dist/web, served by Keyward at /dashboard/ (src/http/dashboard-site.ts). Everything the
 * page loads comes from that directory, so the server's Content-Security-Policy can be `'self'` alone: no inline
 * script (the module-preload polyfill Vite would inline is off; every browser Keyward supports has modulepreload).
 * Each page is its own chunk (web/src/App.tsx), and the text assets are written again brotli- and gzip-compressed
 * (web/precompress.ts) for the server to pick from by Accept-Encoding.
 */
export default defineConfig({
  root: here('.'),
  base: '/dashboard/',
  publicDir: here('public'),
  // No .env files: the dashboard reads nothing from the build machine's environment.
  envDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [precompressAssets()],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    // Never inlined as data: URLs: every asset is a file under the CSP's 'self'.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
