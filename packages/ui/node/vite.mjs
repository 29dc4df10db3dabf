// The one Vite configuration of GymEdge screens (unit and HQ). Plain JavaScript so that Vite and
// scripts/build.mjs can load it without a TypeScript loader; types are in vite.d.mts.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const NOT_PAGES = new Set(['src', 'dist', 'public', 'node_modules']);

/** @param {string} root @returns {Record<string, string>} */
export function discoverPages(root) {
  /** @type {Record<string, string>} */
  const pages = {};
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || NOT_PAGES.has(entry.name)) continue;
    const html = join(root, entry.name, 'index.html');
    if (existsSync(html)) pages[entry.name] = html;
  }
  return pages;
}

/** @param {{ root: string; outDir?: string; base?: string }} options */
export function screensConfig(options) {
  const root = resolve(options.root);
  return {
    root,
    base: options.base ?? '/',
    logLevel: 'warn',
    clearScreen: false,
    publicDir: false,
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: options.outDir ?? join(root, 'dist'),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2000,
      rollupOptions: { input: discoverPages(root) },
    },
  };
}
