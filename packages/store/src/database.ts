import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db, SqliteError } from 'better-sqlite3';

/** Raised when the unit's database cannot be opened; the message says what to do. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OpenOptions {
  readonly readonly?: boolean;
  /**
   * Run `PRAGMA quick_check` (reads the whole file: ~0.1 s at 20k members, ~0.5 s at 100k). Given a
   * function, it is asked after the file is open, e.g. "did the last run stop cleanly?". Default: yes.
   */
  readonly integrityCheck?: boolean | ((db: Db) => boolean);
  /** How long to wait for another process's lock before giving up (ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (or creates) a unit database with the settings the store relies on:
 *
 * - `journal_mode=WAL`: readers never block the writer;
 * - `synchronous=FULL`: a transaction is on disk (WAL fsynced) before `COMMIT` returns, so an
 *   acknowledged write survives `kill -9` and power loss. Group commit in the document store keeps the
 *   fsync cost (about 0.5 ms here) per batch, not per write;
 * - `locking_mode=EXCLUSIVE` is NOT used, so `gymedge backup` can read while the unit runs; a second
 *   unit process on the same file is refused by the store's own lock row instead.
 *
 * A file that is not a database, is corrupt, or is locked gives a StoreOpenError with a plain message.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  if (options.readonly && !existsSync(path)) {
    throw new StoreOpenError(`There is no database at ${path}.`, path);
  }
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 2000 });
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Deleted content is overwritten, so erased personal data does not linger in free pages.
      db.pragma('secure_delete = ON');
      db.pragma('foreign_keys = ON');
      // 64 MB page cache (default 2 MB): searches over 100k members sort thousands of index rows.
      db.pragma('cache_size = -65536');
    }
    // Touch the schema so that corruption and locks show up now, not on the first request.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const wanted = options.integrityCheck ?? true;
    const check = (typeof wanted === 'function' ? wanted(db) : wanted)
      ? db.pragma('quick_check(1)', { simple: true })
      : 'ok';
    if (check !== 'ok') {
      throw new StoreOpenError(
        `The database at ${path} is damaged (${String(check)}). Restore the latest backup with \`gymedge restore\`.`,
        path,
      );
    }
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(explain(error, path), path, { cause: error });
  }
}

function explain(error: unknown, path: string): string {
  const code = error instanceof SqliteError ? error.code : '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return `The file ${path} is not a GymEdge database or is damaged. Restore the latest backup with \`gymedge restore\`, or move the file away to start empty.`;
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return `The database ${path} is locked by another process (is this unit already running?). Stop it and try again.`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return `Cannot open ${path} for writing: check that the folder exists and this user may write to it.`;
  }
  if (code === 'SQLITE_FULL') return `The disk holding ${path} is full. Free some space and try again.`;
  const message = error instanceof Error ? error.message : String(error);
  return `Cannot open the database ${path}: ${message}`;
}
