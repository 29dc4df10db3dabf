import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { decodeChanges } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { ChangeItem } from '../payloads.ts';

/**
 * HQ's seal of one of its changes: HMAC-SHA256, under HQ's chain seal key, of the change hash (which
 * commits to the change's content and dependencies), base64url, 22 characters (128 bits).
 *
 * Why: only HQ writes chain-wide documents, so a unit may never offer changes of them. But after HQ is
 * restored from an old backup, the chain-wide changes HQ made since then exist only at the units. Each
 * change HQ sends down carries its seal; a unit keeps the seals (`chain_seals`) and, in repair, offers
 * back exactly the chain-wide changes that carry one. HQ checks each seal and merges those changes as its
 * own; a change without a valid seal is never offered, and one offered anyway is judged as the unit's.
 */
export function sealOf(key: Uint8Array, hash: string): string {
  return createHmac('sha256', key).update(`gymedge-chain-seal:v1:${hash}`).digest('base64url').slice(0, 22);
}

/** The seals of every change in `bytes`, in order (undefined if the bytes are not Automerge changes). */
export function sealChanges(key: Uint8Array, bytes: Uint8Array): string[] | undefined {
  return decodeChanges(bytes)?.map((change) => sealOf(key, change.hash));
}

/** Whether every change in `bytes` carries HQ's valid seal (one seal per change, in order). */
export function sealedByHq(key: Uint8Array, bytes: Uint8Array, seals: readonly string[]): boolean {
  const changes = decodeChanges(bytes);
  if (changes === undefined || changes.length !== seals.length) return false;
  return changes.every((change, i) => {
    const expected = Buffer.from(sealOf(key, change.hash));
    const given = Buffer.from(seals[i] ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * HQ's chain seal key, kept beside HQ's database (like `token.key`), never inside it: a restore of
 * `hq.db` from an old backup keeps the key, so HQ still recognises the seals it gave before.
 */
export function loadOrCreateSealKey(path: string): Uint8Array {
  if (!existsSync(path)) {
    try {
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key: remove it to make a new one`);
  return key;
}

/** The seals a unit keeps of HQ's changes (`chain_seals`), for repair after HQ restored a backup. */
export class SealStore {
  readonly #db: Database;
  readonly #put: Statement<[string, string]>;
  readonly #get: Statement<[string], { seal: string }>;

  constructor(db: Database) {
    this.#db = db;
    db.exec(
      'CREATE TABLE IF NOT EXISTS chain_seals (hash TEXT PRIMARY KEY, seal TEXT NOT NULL) WITHOUT ROWID',
    );
    this.#put = db.prepare('INSERT OR IGNORE INTO chain_seals (hash, seal) VALUES (?, ?)');
    this.#get = db.prepare('SELECT seal FROM chain_seals WHERE hash = ?');
  }

  /** Keeps the seals that came with a downlink batch (one transaction). */
  keepFrom(items: readonly ChangeItem[]): void {
    const sealed = items.filter((item) => item.seals !== undefined && item.seals.length > 0);
    if (sealed.length === 0) return;
    this.#db.transaction(() => {
      for (const item of sealed) {
        const changes = decodeChanges(Buffer.from(item.bytes, 'base64'));
        if (changes === undefined || changes.length !== item.seals?.length) continue;
        for (const [i, change] of changes.entries()) this.#put.run(change.hash, item.seals?.[i] as string);
      }
    })();
  }

  /**
   * The changes among `bytes` that carry HQ's seal, as one item's bytes and seals (in order), or
   * undefined when none does.
   */
  sealedOf(bytes: Uint8Array): { bytes: Uint8Array; seals: string[] } | undefined {
    const parts: Uint8Array[] = [];
    const seals: string[] = [];
    for (const change of decodeChanges(bytes) ?? []) {
      const seal = this.#get.get(change.hash)?.seal;
      if (seal === undefined) continue;
      parts.push(change.bytes);
      seals.push(seal);
    }
    return parts.length === 0 ? undefined : { bytes: Buffer.concat(parts), seals };
  }
}
