import type { Database, Statement } from 'better-sqlite3';
import { type Chunk, checkKey, type StorageAdapter, type StorageKey } from './storage-adapter.ts';

/**
 * Document chunks in one SQLite table. Keys are joined with `/`; a range is the half-open interval
 * [`prefix/`, `prefix0`) (`0` sorts right after `/`), so it uses the primary-key index.
 */
export class SqliteStorageAdapter implements StorageAdapter {
  readonly #db: Database;
  readonly #load: Statement<[string], { data: Buffer }>;
  readonly #save: Statement<[string, Uint8Array]>;
  readonly #remove: Statement<[string]>;
  readonly #range: Statement<[string, string, string], { key: string; data: Buffer }>;
  readonly #removeRange: Statement<[string, string, string]>;

  constructor(db: Database) {
    this.#db = db;
    db.exec('CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID');
    this.#load = db.prepare('SELECT data FROM chunks WHERE key = ?');
    this.#save = db.prepare('INSERT OR REPLACE INTO chunks (key, data) VALUES (?, ?)');
    this.#remove = db.prepare('DELETE FROM chunks WHERE key = ?');
    this.#range = db.prepare(
      'SELECT key, data FROM chunks WHERE key = ? OR (key >= ? AND key < ?) ORDER BY key',
    );
    this.#removeRange = db.prepare('DELETE FROM chunks WHERE key = ? OR (key >= ? AND key < ?)');
  }

  load(key: StorageKey): Uint8Array | undefined {
    checkKey(key);
    const row = this.#load.get(key.join('/'));
    return row === undefined
      ? undefined
      : new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
  }

  save(key: StorageKey, data: Uint8Array): void {
    checkKey(key);
    this.#save.run(key.join('/'), data);
  }

  remove(key: StorageKey): void {
    checkKey(key);
    this.#remove.run(key.join('/'));
  }

  loadRange(prefix: StorageKey): Chunk[] {
    checkKey(prefix);
    const p = prefix.join('/');
    return this.#range.all(p, `${p}/`, `${p}0`).map((row) => ({
      key: row.key.split('/'),
      data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
    }));
  }

  removeRange(prefix: StorageKey): void {
    checkKey(prefix);
    const p = prefix.join('/');
    this.#removeRange.run(p, `${p}/`, `${p}0`);
  }

  transaction<T>(fn: () => T): T {
    if (this.#db.inTransaction) return fn();
    return this.#db.transaction(fn)();
  }
}
