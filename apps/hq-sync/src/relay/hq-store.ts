import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  acquireLock,
  DocumentStore,
  Inbox,
  migrateStoreSchema,
  openDatabase,
  type Projection,
  SqliteStorageAdapter,
} from '@gymedge/store';
import type { MemberKeys } from '@gymedge/sync-protocol';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';

/** HQ's own tables beside the store's: member keys that units shared, erasures, the units' records. */
const HQ_TABLES = `
  CREATE TABLE IF NOT EXISTS member_keys (member_id TEXT PRIMARY KEY, key BLOB NOT NULL, created_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS erasures (member_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL, actor TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS checkins (
    id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, member_id TEXT NOT NULL, at TEXT NOT NULL, local_date TEXT NOT NULL,
    method TEXT NOT NULL, home_unit_id TEXT, membership_id TEXT, denied TEXT, staff_id TEXT, received_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS checkins_by_unit_day ON checkins (unit_id, local_date);
  CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS occupancy_samples (
    id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, zone_id TEXT NOT NULL, at TEXT NOT NULL, people INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS relay_units (
    unit_id TEXT PRIMARY KEY, state TEXT NOT NULL, last_seen_at TEXT, last_batch_at TEXT, detail TEXT
  ) WITHOUT ROWID;
`;

/** Member keys at HQ: stored as they arrive from the units (unwrapped), destroyed by an erasure. */
export class HqKeys implements MemberKeys {
  readonly #db: Database;
  readonly #get: Statement<[string], { key: Buffer }>;
  readonly #put: Statement<[string, Uint8Array, string]>;
  readonly #erased: Statement<[string], { n: number }>;
  readonly #destroy: Statement<[string]>;
  readonly #record: Statement<[string, string, string]>;

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT key FROM member_keys WHERE member_id = ?');
    this.#put = db.prepare('INSERT OR IGNORE INTO member_keys (member_id, key, created_at) VALUES (?, ?, ?)');
    this.#erased = db.prepare('SELECT count(*) AS n FROM erasures WHERE member_id = ?');
    this.#destroy = db.prepare('DELETE FROM member_keys WHERE member_id = ?');
    this.#record = db.prepare(
      'INSERT OR REPLACE INTO erasures (member_id, erased_at, actor) VALUES (?, ?, ?)',
    );
  }

  get(memberId: string): Uint8Array | undefined {
    const row = this.#get.get(memberId);
    return row === undefined ? undefined : new Uint8Array(row.key);
  }

  put(memberId: string, key: Uint8Array): void {
    if ((this.#erased.get(memberId)?.n ?? 0) > 0) return;
    this.#put.run(memberId, key, new Date().toISOString());
  }

  putAll(entries: ReadonlyArray<{ memberId: string; key: Uint8Array }>): void {
    if (entries.length === 0) return;
    this.#db.transaction(() => {
      for (const e of entries) this.put(e.memberId, e.key);
    })();
  }

  /** Destroys a member's key (an erasure made anywhere in the chain reached HQ). */
  destroy(memberId: string, erasedAt: string, actor: string): void {
    this.#destroy.run(memberId);
    this.#record.run(memberId, erasedAt, actor);
  }
}

export interface HqStoreOptions {
  /** HQ's data folder (holds hq.db and its lock). */
  readonly dir: string;
  readonly logger: Logger;
  /** HQ's read models (B's member search across units, ...), kept in the same transaction as every change. */
  readonly projections?: readonly Projection[];
  readonly cacheSize?: number;
  /**
   * Group commit window (ms): the changes of batches from many units that arrive together share one
   * transaction and one fsync, each batch acknowledged after its commit (default 10; 0 = per turn).
   */
  readonly commitWindowMs?: number;
}

/** HQ's copy of every unit's documents: the same `@gymedge/store` as a unit, as binaries plus projections. */
export interface HqStore {
  readonly path: string;
  readonly db: Database;
  readonly store: DocumentStore;
  readonly storage: SqliteStorageAdapter;
  readonly inbox: Inbox;
  readonly keys: HqKeys;
  close(): Promise<void>;
}

/**
 * Opens HQ's store: lock, database, the store's tables and HQ's, the document store (owner of the
 * chain-wide documents) and the inbox with the chain's authorisation rule. When a member arrives
 * erased, HQ destroys its key in the same transaction.
 */
export function openHqStore(options: HqStoreOptions): HqStore {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const path = join(options.dir, 'hq.db');
  const release = acquireLock(join(options.dir, 'hq.lock'), path);
  let db: Database | undefined;
  try {
    db = openDatabase(path);
    migrateStoreSchema(db);
    db.exec(HQ_TABLES);
    // The downlink reads HQ's own changes after a position: an index on the store's change log for it.
    db.exec('CREATE INDEX IF NOT EXISTS change_log_by_unit ON change_log (unit_id, seq)');
    for (const projection of options.projections ?? []) projection.setup(db);
    const storage = new SqliteStorageAdapter(db);
    const store = new DocumentStore({
      db,
      storage,
      unitId: 'hq',
      chainOwner: true,
      logger: options.logger,
      projections: options.projections ?? [],
      cacheSize: options.cacheSize ?? 200,
      commitWindowMs: options.commitWindowMs ?? 10,
    });
    const keys = new HqKeys(db);
    const inbox = new Inbox({
      store,
      db,
      logger: options.logger,
      onApplied: (doc, peer) => {
        if (doc.type === 'member' && doc.status === 'erased' && typeof doc.id === 'string') {
          keys.destroy(
            doc.id,
            typeof doc.erasedAt === 'string' ? doc.erasedAt : new Date().toISOString(),
            `sync:${peer}`,
          );
        }
      },
    });
    const opened = db;
    return {
      path,
      db: opened,
      store,
      storage,
      inbox,
      keys,
      close: async () => {
        await store.close();
        opened.pragma('wal_checkpoint(TRUNCATE)');
        opened.close();
        release();
      },
    };
  } catch (error) {
    db?.close();
    release();
    throw error;
  }
}
