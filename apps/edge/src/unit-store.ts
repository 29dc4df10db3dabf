import { join } from 'node:path';
import { type MemberDoc, PII_FIELDS } from '@gymedge/crdt-schema';
import {
  acquireLock,
  DocumentStore,
  openDatabase,
  type Patch,
  type Projection,
  SqliteStorageAdapter,
  StoreOpenError,
  setupProjections,
  WalCheckpointer,
} from '@gymedge/store';
import type { Database } from 'better-sqlite3';
import type { Logger } from './lib/logger.ts';
import { AccountProjection } from './projections/accounts.ts';
import { MemberQueries } from './projections/member-queries.ts';
import { MemberProjection } from './projections/members.ts';
import { OperationsProjection } from './projections/operations.ts';
import { OperationsQueries } from './projections/operations-queries.ts';
import { DirectoryProjection } from './services/member-directory.ts';
import { StoreMemberService } from './services/member-service.ts';
import { AuditLog } from './store/audit.ts';
import { CheckinLog } from './store/checkin-log.ts';
import { type ErasureEntry, ErasureRegister } from './store/erasure-register.ts';
import { secureUnitFolder } from './store/files.ts';
import { migrateLocalSchema } from './store/local-schema.ts';
import { PiiVault } from './store/pii-vault.ts';

export interface UnitStoreOptions {
  /** The unit's own folder (holds unit.db, its WAL and the lock). */
  readonly dir: string;
  readonly unitId: string;
  readonly logger: Logger;
  readonly cacheSize?: number;
  /** Background compaction period; 0 turns it off. */
  readonly compactEveryMs?: number;
  readonly onRebuildProgress?: (name: string, done: number, total: number) => void;
  /** More read models kept in the same transactions (other parts of the unit add theirs here). */
  readonly projections?: readonly Projection[];
}

/** Everything of a unit that lives in its database, wired together. */
export interface UnitStore {
  readonly path: string;
  readonly db: Database;
  readonly store: DocumentStore;
  readonly vault: PiiVault;
  readonly audit: AuditLog;
  readonly checkins: CheckinLog;
  readonly accounts: AccountProjection;
  readonly memberQueries: MemberQueries;
  readonly operations: OperationsQueries;
  readonly members: StoreMemberService;
  /** The erasure register beside the database (survives a restore). */
  readonly erasures: ErasureRegister;
  /**
   * Settles once start-up work that writes is durable: erasures from the register that the database
   * did not know (after a restore) are re-applied and the WAL truncated. Serve requests after it.
   */
  readonly ready: Promise<void>;
  /** Size of the database file plus its WAL, in bytes. */
  sizeBytes(): number;
  close(): Promise<void>;
}

function stoppedCleanly(db: Database): boolean {
  try {
    return (
      db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'clean_shutdown'").get()
        ?.value === '1'
    );
  } catch {
    return false;
  }
}

export function dbPathOf(dir: string): string {
  return join(dir, 'unit.db');
}

/**
 * Opens a unit's store: lock, database, local schema, projections (rebuilt if their version
 * changed), document store and the background compaction. Refuses a database of another unit.
 */
export function openUnitStore(options: UnitStoreOptions): UnitStore {
  const path = dbPathOf(options.dir);
  // The folder and every file in it (database, WAL, shared memory, lock, register) are the unit user's only.
  secureUnitFolder(options.dir, path);
  const release = acquireLock(join(options.dir, 'unit.lock'), path);
  let db: Database | undefined;
  let checkpointer: WalCheckpointer | undefined;
  try {
    // The full-file integrity check runs only when the last run did not stop cleanly (kill -9, power
    // loss) or the file is new to us; a clean close leaves `clean_shutdown` = 1 in meta.
    db = openDatabase(path, { integrityCheck: (opened) => !stoppedCleanly(opened) });
    migrateLocalSchema(db);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('clean_shutdown', '0')").run();
    const owner = db
      .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'unit_id'")
      .get()?.value;
    if (owner === undefined) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('unit_id', ?), ('created_at', ?)").run(
        options.unitId,
        new Date().toISOString(),
      );
    } else if (owner !== options.unitId) {
      throw new StoreOpenError(`The database ${path} belongs to unit ${owner}, not ${options.unitId}.`, path);
    }
    // A WAL that grew under a burst is cut back to 64 MB after it restarts.
    db.pragma('journal_size_limit = 67108864');
    const vault = new PiiVault(db);
    const erasures = new ErasureRegister(options.dir);
    const walCheckpoints = new WalCheckpointer({ path, db, logger: options.logger });
    checkpointer = walCheckpoints;
    const accounts = new AccountProjection({ unitId: options.unitId });
    const projections = [
      new MemberProjection(vault),
      accounts,
      new OperationsProjection(),
      // Members of other units that may check in here (HQ's `directory` documents): hashes and ids only.
      new DirectoryProjection(vault),
      ...(options.projections ?? []),
    ];
    // A projection whose version changed has its tables dropped before its setup (new columns work).
    setupProjections(db, projections);
    const store = new DocumentStore({
      db,
      storage: new SqliteStorageAdapter(db),
      unitId: options.unitId,
      logger: options.logger,
      projections,
      ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
      // An erasure is acknowledged only after the register outside the database holds it and the WAL
      // is truncated: no file of the unit then keeps a page from before it (see ARCHITECTURE, Privacy).
      afterCommit: () => {
        const done = vault.takeCommittedErasures();
        if (done.length === 0) return undefined;
        for (const entry of done) erasures.append(entry);
        return walCheckpoints.truncate();
      },
    });
    const stale = store.staleProjections();
    if (stale.length > 0) {
      options.logger.info({ projections: stale }, 'rebuilding projections');
      for (const name of stale) {
        store.rebuildProjections([name], (done, total) => options.onRebuildProgress?.(name, done, total));
      }
    }
    const audit = new AuditLog(db);
    const memberQueries = new MemberQueries(db);
    const members = new StoreMemberService({ store, vault, queries: memberQueries, audit });
    const ready = reconcileErasures(db, walCheckpoints, store, vault, audit, erasures, options.logger);
    const log = options.logger.child({ module: 'compaction' });
    const every = options.compactEveryMs ?? 30_000;
    // Compaction runs on the store's background queue, one document per task (a whole pass in one go
    // held the event loop for 670 ms); a pass starts only when the previous one has finished.
    let compacting = false;
    const timer =
      every > 0
        ? setInterval(() => {
            if (compacting) return;
            compacting = true;
            store
              .compactInBackground(200)
              .then(
                (n) => {
                  if (n > 0) log.debug({ documents: n }, 'compacted');
                },
                (error: unknown) => log.error({ err: error }, 'compaction failed'),
              )
              .finally(() => {
                compacting = false;
              });
          }, every)
        : undefined;
    timer?.unref();
    const opened = db;
    // Read on every /health and /metrics scrape: prepared once.
    const sizeQuery = opened.prepare<[], { size: number }>(
      'SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()',
    );
    return {
      path,
      db: opened,
      store,
      vault,
      audit,
      checkins: new CheckinLog(opened),
      accounts,
      memberQueries,
      operations: new OperationsQueries(opened),
      members,
      erasures,
      ready,
      sizeBytes: () => sizeQuery.get()?.size ?? 0,
      close: async () => {
        if (timer !== undefined) clearInterval(timer);
        await ready.catch(() => undefined);
        await store.close();
        await walCheckpoints.close();
        opened.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('clean_shutdown', '1')").run();
        opened.pragma('wal_checkpoint(TRUNCATE)');
        opened.close();
        release();
      },
    };
  } catch (error) {
    void checkpointer?.close();
    db?.close();
    release();
    throw error;
  }
}

/**
 * Makes the database and the erasure register agree. An erasure in the database but not in the register
 * (a crash between the commit and the append) is appended. An erasure in the register but not in the
 * database (the database was restored from a backup taken before it) is made again: the key is
 * destroyed, the document loses its sealed fields and the projection its row, before `ready` settles.
 */
function reconcileErasures(
  db: Database,
  checkpointer: WalCheckpointer,
  store: DocumentStore,
  vault: PiiVault,
  audit: AuditLog,
  register: ErasureRegister,
  logger: Logger,
): Promise<void> {
  const known = new Map(vault.erasures().map((entry) => [entry.memberId, entry]));
  for (const entry of known.values()) register.append(entry);
  const missing = register.entries().filter((entry) => !known.has(entry.memberId));
  if (missing.length === 0) return Promise.resolve();
  logger.warn({ erasures: missing.length }, 're-applying erasures that the database does not hold');
  return Promise.all(missing.map((entry) => reapplyErasure(db, store, vault, audit, entry))).then(() => {
    // A restored file may hold copies of the erased values outside any live cell (unallocated space
    // left by page splits in the copy; secure_delete only zeroes cells it deletes). VACUUM rewrites
    // every page from the live rows; it runs only here, after a restore, on start-up.
    db.exec('VACUUM');
    return checkpointer.truncate();
  });
}

function reapplyErasure(
  db: Database,
  store: DocumentStore,
  vault: PiiVault,
  audit: AuditLog,
  entry: ErasureEntry,
): Promise<unknown> {
  const id = entry.memberId;
  const also = () => {
    vault.destroy(id, entry.actor, entry.erasedAt);
    audit.append(
      { actorId: 'system', actorRole: 'system', action: 'member.erase.reapplied', target: id },
      new Date().toISOString(),
    );
  };
  let doc: MemberDoc | undefined;
  try {
    doc = store.has(id) ? store.get<'member'>(id) : undefined;
  } catch {
    doc = undefined; // unreadable: quarantined; the key is destroyed all the same
  }
  if (doc !== undefined && doc.status !== 'erased') {
    const cleared = Object.fromEntries(PII_FIELDS.map((field) => [field, undefined])) as Patch<
      MemberDoc['pii']
    >;
    return store.update(id, { status: 'erased', erasedAt: entry.erasedAt, pii: cleared }, { also });
  }
  // No document here (it was created after the backup, or sync brings it later): the erasure is
  // recorded and, without its key, whatever arrives for it stays unreadable.
  db.transaction(also)();
  return Promise.resolve();
}
