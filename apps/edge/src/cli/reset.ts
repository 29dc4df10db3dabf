import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { UsageError } from './output.ts';

/** Files a restore promised to keep (`unit.db.before-restore-<time>` and its WAL): a reset never deletes them. */
export function isKeptCopy(name: string): boolean {
  return name.includes('.before-restore-');
}

/**
 * Asks before `--reset` deletes data: with `--yes` it goes on, on a terminal it asks for "yes", and
 * anywhere else (a script, CI) it refuses with what to add.
 */
export async function confirmReset(folders: readonly string[], yes: boolean): Promise<void> {
  const existing = folders.filter((folder) => existsSync(folder));
  if (existing.length === 0 || yes) return;
  const what = `--reset deletes the demo data in ${existing.join(', ')} (copies kept by restore stay)`;
  if (!process.stdin.isTTY) throw new UsageError(`${what}. Run again with --reset --yes to go on.`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${what}.\nType yes to go on: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new UsageError('nothing was deleted');
  } finally {
    prompt.close();
  }
}

/** Empties a unit folder for a fresh seed, keeping the copies a restore kept. Returns what was kept. */
export function clearUnitFolder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const kept: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (isKeptCopy(entry)) kept.push(entry);
    else rmSync(join(dir, entry), { recursive: true, force: true });
  }
  return kept;
}
