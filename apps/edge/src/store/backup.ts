import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { acquireLock, openDatabase, StoreOpenError } from '@gymedge/store';
import { dbPathOf } from '../unit-store.ts';
import { ErasureRegister } from './erasure-register.ts';
import { FILE_MODE, fsyncFileAndFolder } from './files.ts';
import { LOCAL_SCHEMA_VERSION } from './local-schema.ts';

export interface BackupSummary {
  readonly path: string;
  readonly unitId: string;
  readonly bytes: number;
  readonly documents: number;
  /** Members the backup holds, erased ones not counted. */
  readonly members: number;
  /** Members erased before the backup was taken (their keys are not in it). */
  readonly erased: number;
  readonly changes: number;
}

/**
 * Copies a unit database with `VACUUM INTO` from a read-only connection: one read transaction, so the
 * copy is a consistent snapshot taken in one pass, however busy the unit's writer is (the online
 * backup API restarted its page copy on every write: 7,622 restarts and ~60 s on 33 MB). The copy is
 * written to `<target>.partial-<pid>` (mode 0600, rollback journal, so no -wal/-shm beside it),
 * fsynced with its folder (VACUUM INTO does not fsync), renamed into place, and verified before
 * success is reported.
 */
export async function backupUnit(
  unitDir: string,
  target: string,
  onProgress?: (done: number, total: number) => void,
): Promise<BackupSummary> {
  const source = dbPathOf(unitDir);
  if (!existsSync(source)) throw new StoreOpenError(`There is no unit database at ${source}.`, source);
  if (existsSync(target)) throw new Error(`${target} already exists; choose a new file name for the backup.`);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const partial = `${target}.partial-${process.pid}`;
  // VACUUM INTO accepts an empty file: created here so that the copy is the unit user's only.
  closeSync(openSync(partial, 'w', FILE_MODE));
  const db = openDatabase(source, { readonly: true, integrityCheck: false });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    onProgress?.(0, pages);
    db.prepare('VACUUM INTO ?').run(partial);
    onProgress?.(pages, pages);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  fsyncFileAndFolder(partial, dirname(target));
  renameSync(partial, target);
  fsyncFileAndFolder(target, dirname(target));
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
      members: count(
        "SELECT count(*) AS n FROM documents WHERE type = 'member' AND doc_id NOT IN (SELECT member_id FROM erasures)",
      ),
      erased: count('SELECT count(*) AS n FROM erasures'),
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
 * (`unit.db.before-restore-<time>`), never deleted. The erasure register beside it is not replaced:
 * the next open re-applies every erasure made since the backup was taken (see `openUnitStore`).
 */
export function restoreUnit(
  unitDir: string,
  backupPath: string,
  unitId: string,
): BackupSummary & { keptAs?: string; erasuresToReapply: number } {
  const summary = verifyBackup(backupPath);
  const inBackup = new Set(erasedIn(backupPath));
  const erasuresToReapply = new ErasureRegister(unitDir)
    .entries()
    .filter((entry) => !inBackup.has(entry.memberId)).length;
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
    chmodSync(`${target}.restoring`, FILE_MODE);
    fsyncFileAndFolder(`${target}.restoring`, unitDir);
    renameSync(`${target}.restoring`, target);
    fsyncFileAndFolder(target, unitDir);
    return keptAs === undefined
      ? { ...summary, erasuresToReapply }
      : { ...summary, keptAs, erasuresToReapply };
  } finally {
    release();
  }
}

/** The members a backup records as erased. */
function erasedIn(path: string): string[] {
  const db = openDatabase(path, { readonly: true, integrityCheck: false });
  try {
    return db
      .prepare<[], { member_id: string }>('SELECT member_id FROM erasures')
      .all()
      .map((row) => row.member_id);
  } finally {
    db.close();
  }
}
