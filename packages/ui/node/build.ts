import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time (ms) of any file under `dir`, skipping `dist` and `node_modules`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds a web folder with its own `vite.config.ts` into `<root>/dist`. */
export async function buildWeb(root: string): Promise<number> {
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return Date.now() - started;
}

/**
 * Builds the web folder when its `dist` is missing or older than any source in it or in packages/ui
 * (tests call this so they never run against a stale screen). Returns whether it built.
 */
export async function ensureWebBuilt(root: string, also: readonly string[] = []): Promise<boolean> {
  const stamp = join(root, 'dist', '.built');
  if (existsSync(stamp)) {
    const built = statSync(stamp).mtimeMs;
    const sources = Math.max(newest(root), ...also.map((dir) => newest(dir)));
    if (sources <= built) return false;
  }
  await buildWeb(root);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(stamp, new Date().toISOString());
  return true;
}
