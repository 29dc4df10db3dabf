// Installs the vision models listed in models/manifest.json into models/ (git-ignored), checking each
// file's sha256. Where a machine has internet it downloads each file from its public source (the URL in
// the manifest); where it has not (the build machines), it says so and looks for a verified copy in
// $GYMEDGE_MODELS_DIR or ../shared/models, which the loader finds by itself.
//
//   node scripts/fetch-models.mjs            try the download, fall back to a local verified copy
//   node scripts/fetch-models.mjs --offline  never touch the network (only report what is found)
//
// Exit code 0 when every model is available somewhere verified, 1 otherwise.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'models', 'manifest.json'), 'utf8'));
const offline = process.argv.includes('--offline') || process.env.GYMEDGE_OFFLINE === '1';
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const say = (line) => process.stdout.write(`${line}\n`);

const fallbacks = [];
if (process.env.GYMEDGE_MODELS_DIR) {
  const d = process.env.GYMEDGE_MODELS_DIR;
  fallbacks.push(isAbsolute(d) ? d : resolve(root, d));
}
fallbacks.push(resolve(root, '..', 'shared', 'models'));

function verified(path, entry) {
  return existsSync(path) && sha256(readFileSync(path)) === entry.sha256;
}

async function download(entry, target) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  try {
    const response = await fetch(entry.url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (digest !== entry.sha256)
      throw new Error(`downloaded file has sha256 ${digest}, expected ${entry.sha256}: not saved`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.tmp`, bytes);
    renameSync(`${target}.tmp`, target);
  } finally {
    clearTimeout(timer);
  }
}

let missing = 0;
for (const entry of manifest.models) {
  const target = join(root, 'models', entry.name);
  if (verified(target, entry)) {
    say(`ok      ${entry.name}: models/ (sha256 verified)`);
    continue;
  }
  if (!offline && entry.url) {
    try {
      await download(entry, target);
      say(`fetched ${entry.name} from ${entry.url} (sha256 verified)`);
      continue;
    } catch (error) {
      say(`could not download ${entry.name} from ${entry.url}: ${error.cause?.message ?? error.message}`);
    }
  }
  const copy = fallbacks.map((d) => join(d, entry.name)).find((p) => verified(p, entry));
  if (copy) {
    say(`ok      ${entry.name}: using the verified copy at ${copy} (the loader finds it there)`);
  } else {
    missing += 1;
    say(
      `MISSING ${entry.name}: not in models/, ${fallbacks.join(', ')}; vision will report "no model" and count nobody`,
    );
  }
}
process.exit(missing === 0 ? 0 : 1);
