import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { FILE_MODE, fsyncFileAndFolder } from './files.ts';

/** One erasure: which member, when, by whom. No personal data. */
export const ErasureEntry = z.strictObject({
  memberId: z.string().min(1).max(100),
  erasedAt: z.string().min(1).max(40),
  actor: z.string().min(1).max(200),
});
export type ErasureEntry = z.infer<typeof ErasureEntry>;

export const ERASURE_REGISTER = 'erasures.jsonl';

/**
 * The unit's erasure register, kept OUTSIDE the database: `erasures.jsonl` in the unit folder, one
 * JSON line per erasure, appended and fsynced after the erasure commits and before it is
 * acknowledged. A restore replaces `unit.db` but not this file, so the next open re-applies every
 * erasure the restored database does not know (see `openUnitStore`). The `erasures` table in the
 * database is the other copy; each open reconciles the two (an erasure committed just before a crash
 * that missed the register is appended to it then).
 */
export class ErasureRegister {
  readonly path: string;
  readonly #known = new Set<string>();
  #entries: ErasureEntry[] = [];

  constructor(unitDir: string) {
    this.path = join(unitDir, ERASURE_REGISTER);
    if (!existsSync(this.path)) return;
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // a line torn by power loss during its append; the database's copy still has it
      }
      const entry = ErasureEntry.safeParse(parsed);
      if (entry.success && !this.#known.has(entry.data.memberId)) {
        this.#known.add(entry.data.memberId);
        this.#entries.push(entry.data);
      }
    }
  }

  entries(): readonly ErasureEntry[] {
    return this.#entries;
  }

  has(memberId: string): boolean {
    return this.#known.has(memberId);
  }

  /** Appends an erasure (once per member) and fsyncs it before returning. */
  append(entry: ErasureEntry): void {
    if (this.#known.has(entry.memberId)) return;
    const fresh = !existsSync(this.path);
    const fd = openSync(this.path, 'a', FILE_MODE);
    try {
      writeSync(fd, `${JSON.stringify(ErasureEntry.parse(entry))}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (fresh) fsyncFileAndFolder(this.path, dirname(this.path));
    this.#known.add(entry.memberId);
    this.#entries = [...this.#entries, entry];
  }
}
