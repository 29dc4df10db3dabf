#!/usr/bin/env node
// The `gymedge` command. Runs the bundle built at install time (dist/gymedge.mjs) when it is newer
// than every source file; otherwise the TypeScript sources through tsx's loader.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'gymedge.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = [
  join(root, 'src'),
  ...['crdt-schema', 'store', 'sync-protocol', 'ml'].map((name) =>
    join(root, '..', '..', 'packages', name, 'src'),
  ),
  // `gymedge hq` bundles HQ's code too.
  join(root, '..', 'hq-sync', 'src'),
].filter(existsSync);
const fresh =
  process.env.GYMEDGE_FROM_SOURCE !== '1' &&
  existsSync(bundle) &&
  statSync(bundle).mtimeMs >= Math.max(...sources.map(newestSource));

if (fresh) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
