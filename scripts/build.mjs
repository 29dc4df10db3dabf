// Bundles the edge core into apps/edge/dist/gymedge.mjs (run by `npm install` through `prepare`).
// The bin uses the bundle while it is newer than every source file, and runs the TypeScript sources
// through tsx otherwise, so a stale bundle is never used. Loading the bundle takes ~0.3 s instead of
// ~2 s for tsx compiling each module at start-up.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const edge = JSON.parse(readFileSync(new URL('../apps/edge/package.json', import.meta.url), 'utf8'));
// `gymedge hq` bundles HQ's code too: its own dependencies (aedes: CommonJS) stay external as well.
const hq = JSON.parse(readFileSync(new URL('../apps/hq-sync/package.json', import.meta.url), 'utf8'));
// Every package the workspaces and the root declare stays external (resolved from node_modules at run time):
// only the workspaces' own code is bundled. A package missed here would be bundled and may break (playwright-core's
// dynamic requires did).
const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const declared = (pkg) => [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
const external = [...new Set([...declared(edge), ...declared(hq), ...declared(root)])].filter(
  (name) => !name.startsWith('@gymedge/'),
);
const started = Date.now();
await build({
  entryPoints: ['apps/edge/src/cli/main.ts'],
  outfile: 'apps/edge/dist/gymedge.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  sourcemap: 'linked',
  logLevel: 'warning',
});
process.stdout.write(`built apps/edge/dist/gymedge.mjs in ${Date.now() - started} ms\n`);

// The appliance shell (docs/appliance.md): Electron's main process and its preload, bundled for Electron.
await build({
  entryPoints: ['apps/edge/electron/main.ts'],
  outfile: 'apps/edge/electron/dist/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});
await build({
  entryPoints: ['apps/edge/electron/preload.ts'],
  outfile: 'apps/edge/electron/dist/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});

// The screens (docs/ui.md): every apps/*/web with a vite.config.ts builds to apps/*/web/dist.
const { existsSync, readdirSync, writeFileSync } = await import('node:fs');
for (const app of readdirSync('apps')) {
  const config = `apps/${app}/web/vite.config.ts`;
  if (!existsSync(config)) continue;
  const began = Date.now();
  const vite = await import('vite');
  await vite.build({ configFile: config, logLevel: 'warn' });
  writeFileSync(`apps/${app}/web/dist/.built`, new Date().toISOString());
  process.stdout.write(`built apps/${app}/web/dist in ${Date.now() - began} ms\n`);
}

// Vision: the MediaPipe pose .task bundles, built from the @mediapipe/pose npm package (docs/vision.md).
{
  const began = Date.now();
  const { buildPoseModels } = await import('./build-pose-models.mjs');
  try {
    buildPoseModels();
    process.stdout.write(`built models/pose_landmarker_{lite,full}.task in ${Date.now() - began} ms\n`);
  } catch (error) {
    process.stderr.write(`pose models not built (vision pose will say so): ${error.message}\n`);
  }
}
