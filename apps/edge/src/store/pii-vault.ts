import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PiiField } from '@gymedge/crdt-schema';
import type { Database, Statement } from 'better-sqlite3';
import type { ErasureEntry } from './erasure-register.ts';

const VERSION = 1;
const IV = 12;
const TAG = 16;

/**
 * Keys of members' personal fields. Each member has a random AES-256-GCM key; every personal field
 * is sealed on its own (`[version][iv][tag][ciphertext]`, bound to member and field by the AAD).
 * Keys live in the `member_keys` table, outside the CRDT. Erasure deletes the key in the same
 * transaction as the document change: from then on every copy of every past value of that member's
 * personal fields (history, change log, other replicas' copies of the document) is unreadable.
 */
export class PiiVault {
  readonly #keys = new Map<string, Buffer>();
  /** Clear values of bytes this process sealed, so the projection does not decrypt what was just encrypted. */
  readonly #recent = new WeakMap<Uint8Array, string>();
  readonly #pending = new Map<string, Buffer>();
  readonly #get: Statement<[string], { key: Buffer }>;
  readonly #insert: Statement<[string, Buffer, string]>;
  readonly #delete: Statement<[string]>;
  readonly #erasure: Statement<[string, string, string]>;
  readonly #erased: Statement<[string], { erased_at: string }>;
  readonly #allErased: Statement<[], { member_id: string; erased_at: string; actor: string }>;
  /** Erasures made by `destroy` whose transaction may not have committed yet. */
  #erasing: ErasureEntry[] = [];

  constructor(db: Database) {
    this.#allErased = db.prepare('SELECT member_id, erased_at, actor FROM erasures ORDER BY erased_at');
    this.#get = db.prepare('SELECT key FROM member_keys WHERE member_id = ?');
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO member_keys (member_id, key, created_at) VALUES (?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM member_keys WHERE member_id = ?');
    this.#erasure = db.prepare(
      'INSERT OR REPLACE INTO erasures (member_id, erased_at, actor) VALUES (?, ?, ?)',
    );
    this.#erased = db.prepare('SELECT erased_at FROM erasures WHERE member_id = ?');
  }

  /** A new key for a new member, usable at once; `persist` must run inside the write's transaction. */
  prepareKey(memberId: string): { persist: () => void; forget: () => void } {
    const key = randomBytes(32);
    this.#pending.set(memberId, key);
    return {
      persist: () => {
        this.#insert.run(memberId, key, new Date().toISOString());
        this.#pending.delete(memberId);
        this.#keys.set(memberId, key);
      },
      forget: () => {
        this.#pending.delete(memberId);
        this.#keys.delete(memberId);
      },
    };
  }

  /**
   * Drops this replica's copy of a key without an erasure (the member lives elsewhere and no longer needs
   * to be read here: a visitor whose chain-wide plan lapsed). The key may arrive again later; only
   * `destroy` records an erasure. Run inside the write's transaction.
   */
  forget(memberId: string): void {
    this.#delete.run(memberId);
    this.#keys.delete(memberId);
    this.#pending.delete(memberId);
  }

  hasKey(memberId: string): boolean {
    return this.#key(memberId) !== undefined;
  }

  seal(memberId: string, field: PiiField, value: string): Uint8Array<ArrayBuffer> {
    const key = this.#key(memberId);
    if (key === undefined)
      throw new Error(`no key for ${memberId}: its personal data was erased or never created`);
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${memberId}|${field}`));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const sealed = Uint8Array.from(Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]));
    this.#recent.set(sealed, value);
    return sealed;
  }

  /** The clear value, or undefined when the key is gone (erased) or the bytes were tampered with. */
  unseal(memberId: string, field: PiiField, sealed: Uint8Array | undefined): string | undefined {
    if (sealed === undefined || sealed.length < 1 + IV + TAG || sealed[0] !== VERSION) return undefined;
    const key = this.#key(memberId);
    if (key === undefined) return undefined;
    const known = this.#recent.get(sealed);
    if (known !== undefined) return known;
    try {
      const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 1 + IV));
      decipher.setAAD(Buffer.from(`${memberId}|${field}`));
      decipher.setAuthTag(buf.subarray(1 + IV, 1 + IV + TAG));
      return Buffer.concat([decipher.update(buf.subarray(1 + IV + TAG)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Destroys the member's key and records the erasure. Run inside the erasure write's transaction. */
  destroy(memberId: string, actorId: string, at: string): void {
    this.#delete.run(memberId);
    this.#erasure.run(memberId, at, actorId);
    this.#erasing.push({ memberId, erasedAt: at, actor: actorId });
    this.#keys.delete(memberId);
    this.#pending.delete(memberId);
  }

  /**
   * The erasures `destroy` made since the last call whose transaction committed (asked right after a
   * commit; a rolled-back one is not in the database and is dropped). The unit then appends them to
   * the erasure register and truncates the WAL before the erasure is acknowledged.
   */
  takeCommittedErasures(): ErasureEntry[] {
    const taken = this.#erasing;
    this.#erasing = [];
    return taken.filter((entry) => this.#erased.get(entry.memberId)?.erased_at === entry.erasedAt);
  }

  /** Every erasure this database records. */
  erasures(): ErasureEntry[] {
    return this.#allErased
      .all()
      .map((row) => ({ memberId: row.member_id, erasedAt: row.erased_at, actor: row.actor }));
  }

  erasedAt(memberId: string): string | undefined {
    return this.#erased.get(memberId)?.erased_at;
  }

  #key(memberId: string): Buffer | undefined {
    const known = this.#pending.get(memberId) ?? this.#keys.get(memberId);
    if (known !== undefined) return known;
    const row = this.#get.get(memberId);
    if (row === undefined) return undefined;
    this.#keys.set(memberId, row.key);
    return row.key;
  }
}
