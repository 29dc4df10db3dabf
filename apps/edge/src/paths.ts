import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/edge, found from this module whether it runs from src/ (tsx) or from the dist/ bundle. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the apps/edge package folder');
    dir = up;
  }
  return dir;
}

export const EDGE_ROOT = packageRoot();

/** The `gymedge` executable, for starting units and seeders as child processes. */
export const GYMEDGE_BIN = join(EDGE_ROOT, 'bin', 'gymedge.js');

/** The appliance's version, from apps/edge/package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(join(EDGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
