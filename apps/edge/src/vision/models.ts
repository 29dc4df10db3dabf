import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { EDGE_ROOT } from '../paths.ts';

/** The repository root (apps/edge/../..), where `models/` and its manifest live. */
export const REPO_ROOT = resolve(EDGE_ROOT, '..', '..');

/** One model the vision core loads, as `models/manifest.json` lists it. */
export const ModelEntry = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/),
  role: z.enum(['person-detector', 'pose']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  inputWidth: z.number().int().positive().optional(),
  inputHeight: z.number().int().positive().optional(),
  url: z.string().url().optional(),
  licence: z.string(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

export const ModelManifest = z.object({ models: z.array(ModelEntry) });
export type ModelManifest = z.infer<typeof ModelManifest>;

/** The default person detector: YOLOX-nano at 640x640 (best measured on vtest.avi, see docs/vision.md). */
export const DEFAULT_DETECTOR = 'yolox_nano_640x640.onnx';

export function loadManifest(path = join(REPO_ROOT, 'models', 'manifest.json')): ModelManifest {
  return ModelManifest.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Folders searched for model files, in order: `GYMEDGE_MODELS_DIR`, `models/`, `../shared/models`. */
export function modelSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  const configured = env.GYMEDGE_MODELS_DIR;
  if (configured) dirs.push(isAbsolute(configured) ? configured : resolve(REPO_ROOT, configured));
  dirs.push(join(REPO_ROOT, 'models'), resolve(REPO_ROOT, '..', 'shared', 'models'));
  return dirs;
}

/** Where a model was found and verified, or why it could not be. */
export type ModelResolution =
  | { readonly ok: true; readonly path: string; readonly entry: ModelEntry }
  | { readonly ok: false; readonly reason: string; readonly entry?: ModelEntry };

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Finds a model by manifest name (or at an explicit path) and checks its sha256 before anyone loads it.
 * A file whose checksum does not match is never used: the reason names the file and both digests.
 */
export function resolveModel(
  name: string,
  options: {
    readonly path?: string;
    readonly dirs?: readonly string[];
    readonly manifest?: ModelManifest;
  } = {},
): ModelResolution {
  const manifest = options.manifest ?? loadManifest();
  const entry = manifest.models.find((model) => model.name === name);
  if (entry === undefined) return { ok: false, reason: `model ${name} is not in models/manifest.json` };
  const candidates = options.path
    ? [options.path]
    : (options.dirs ?? modelSearchDirs()).map((d) => join(d, name));
  const refused: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const digest = sha256File(candidate);
    if (digest === entry.sha256) return { ok: true, path: candidate, entry };
    refused.push(`${candidate} has sha256 ${digest.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…`);
  }
  if (refused.length > 0) {
    return { ok: false, entry, reason: `model ${name} refused (wrong checksum): ${refused.join('; ')}` };
  }
  const where = candidates.map((c) => dirname(c)).join(', ');
  return {
    ok: false,
    entry,
    reason: `model ${name} not found (looked in ${where}); run \`node scripts/fetch-models.mjs\` or set GYMEDGE_MODELS_DIR`,
  };
}
