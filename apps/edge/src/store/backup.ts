import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { acquireLock, openDatabase, StoreOpenError } from '@gymedge/store';
import { dbPathOf } from '../unit-store.ts';
import { LOCAL_SCHEMA_VERSION } from './local-schema.ts';

export interface BackupSummary {
  readonly path: string;
  readonly unitId: string;
  readonly bytes: number;
  readonly documents: number;
  readonly members: number;
  readonly changes: number;
}

/**
 * Copies a unit database with SQLite's online backup API: safe while the unit is running and
 * writing (the copy is a consistent snapshot), then checks the copy before reporting success.
 */
export async function backupUnit(
  unitDir: string,
  target: string,
  onProgress?: (done: number, total: number) => void,
): Promise<BackupSummary> {
  const source = dbPathOf(unitDir);
  if (!existsSync(source)) throw new StoreOpenError(`There is no unit database at ${source}.`, source);
  if (existsSync(target)) throw new Error(`${target} already exists; choose a new file name for the backup.`);
  mkdirSync(dirname(target), { recursive: true });
  const db = openDatabase(source, { readonly: true });
  try {
    await db.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        return 200;
      },
    });
    const pages = db.pragma('page_count', { simple: true }) as number;
    onProgress?.(pages, pages);
  } finally {
    db.close();
  }
  return verifyBackup(target);
}

/** Opens a backup read-only and checks that it is a whole, readable GymEdge unit database. */
export function verifyBackup(path: string): BackupSummary {
  if (!existsSync(path)) throw new StoreOpenError(`There is no backup file at ${path}.`, path);
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(path, { readonly: true });
  } catch (error) {
    throw new StoreOpenError(
      `${path} is not a readable GymEdge backup (it is damaged or not a database); nothing was changed.`,
      path,
      {
        cause: error,
      },
    );
  }
  try {
    const integrity = db.pragma('integrity_check(1)', { simple: true });
    if (integrity !== 'ok')
      throw new StoreOpenError(`The backup ${path} is damaged: ${String(integrity)}.`, path);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 1 || version > LOCAL_SCHEMA_VERSION) {
      throw new StoreOpenError(
        `${path} is not a GymEdge unit backup this version can restore (schema ${version}).`,
        path,
      );
    }
    const unitId = db
      .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'unit_id'")
      .get()?.value;
    if (unitId === undefined)
      throw new StoreOpenError(`${path} has no unit id: it is not a GymEdge unit backup.`, path);
    const count = (sql: string) => db.prepare<[], { n: number }>(sql).get()?.n ?? 0;
    return {
      path,
      unitId,
      bytes: statSync(path).size,
      documents: count('SELECT count(*) AS n FROM documents'),
      members: count("SELECT count(*) AS n FROM documents WHERE type = 'member'"),
      changes: count('SELECT count(*) AS n FROM change_log'),
    };
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(`${path} is not a readable GymEdge backup: ${(error as Error).message}`, path, {
      cause: error,
    });
  }
}

/**
 * Replaces a unit's database with a backup, only after the backup is verified and belongs to the
 * same unit, and only while the unit is stopped. The current database is kept beside it
 * (`unit.db.before-restore-<time>`), never deleted.
 */
export function restoreUnit(
  unitDir: string,
  backupPath: string,
  unitId: string,
): BackupSummary & { keptAs?: string } {
  const summary = verifyBackup(backupPath);
  if (summary.unitId !== unitId) {
    throw new Error(`The backup is of unit ${summary.unitId}, not ${unitId}; nothing was changed.`);
  }
  const target = dbPathOf(unitDir);
  mkdirSync(unitDir, { recursive: true });
  const release = acquireLock(join(unitDir, 'unit.lock'), target);
  try {
    let keptAs: string | undefined;
    if (existsSync(target)) {
      keptAs = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        // Fold the WAL into the file so the kept copy is whole on its own.
        const current = openDatabase(target);
        current.pragma('wal_checkpoint(TRUNCATE)');
        current.close();
      } catch (error) {
        // A damaged database (the usual reason to restore) cannot be opened: keep it, and its WAL, as they are.
        if (!(error instanceof StoreOpenError)) throw error;
        if (existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${keptAs}-wal`);
      }
      renameSync(target, keptAs);
    }
    for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    copyFileSync(backupPath, `${target}.restoring`);
    renameSync(`${target}.restoring`, target);
    return keptAs === undefined ? summary : { ...summary, keptAs };
  } finally {
    release();
  }
}
