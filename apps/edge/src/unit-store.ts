import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  acquireLock,
  DocumentStore,
  openDatabase,
  SqliteStorageAdapter,
  StoreOpenError,
} from '@gymedge/store';
import type { Database } from 'better-sqlite3';
import type { Logger } from './lib/logger.ts';
import { AccountProjection } from './projections/accounts.ts';
import { MemberQueries } from './projections/member-queries.ts';
import { MemberProjection } from './projections/members.ts';
import { OperationsProjection } from './projections/operations.ts';
import { OperationsQueries } from './projections/operations-queries.ts';
import { StoreMemberService } from './services/member-service.ts';
import { AuditLog } from './store/audit.ts';
import { CheckinLog } from './store/checkin-log.ts';
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
  mkdirSync(options.dir, { recursive: true });
  const release = acquireLock(join(options.dir, 'unit.lock'), path);
  let db: Database | undefined;
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
    const vault = new PiiVault(db);
    const accounts = new AccountProjection();
    const projections = [new MemberProjection(vault), accounts, new OperationsProjection()];
    for (const projection of projections) projection.setup(db);
    const store = new DocumentStore({
      db,
      storage: new SqliteStorageAdapter(db),
      unitId: options.unitId,
      logger: options.logger,
      projections,
      ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
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
    const log = options.logger.child({ module: 'compaction' });
    const every = options.compactEveryMs ?? 30_000;
    const timer =
      every > 0
        ? setInterval(() => {
            try {
              const n = store.compact(200);
              if (n > 0) log.debug({ documents: n }, 'compacted');
            } catch (error) {
              log.error({ err: error }, 'compaction failed');
            }
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
      sizeBytes: () => sizeQuery.get()?.size ?? 0,
      close: async () => {
        if (timer !== undefined) clearInterval(timer);
        await store.close();
        opened.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('clean_shutdown', '1')").run();
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
