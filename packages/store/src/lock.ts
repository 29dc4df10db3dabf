import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database, { type Database as Db, SqliteError } from 'better-sqlite3';
import { StoreOpenError } from './database.ts';

/**
 * One process per unit database, held by the operating system: `path` is a tiny SQLite file that this
 * process opens in `locking_mode=EXCLUSIVE` and writes once, so it holds SQLite's exclusive file lock
 * (a POSIX advisory lock on Linux) for as long as the connection is open. The kernel drops the lock
 * when the process ends in any way (exit, kill -9, power loss), so a lock is never stale, a reused pid
 * means nothing, and no process ever deletes the lock file (deleting it is how a pid-file lock let one
 * process remove another's fresh lock). Threads of one process are refused too (SQLite tracks its own
 * locks per file). `<path>.pid` holds the holder's pid, only to name it in the refusal.
 *
 * Returns the release function (closes the connection, which drops the lock).
 */
export function acquireLock(path: string, dbPath: string): () => void {
  let lock: Db | undefined;
  for (let attempt = 0; attempt < 2 && lock === undefined; attempt++) {
    let db: Db | undefined;
    try {
      db = new Database(path, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
      db.exec('COMMIT');
      lock = db;
    } catch (error) {
      db?.close();
      const code = error instanceof SqliteError ? error.code : '';
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        const owner = readOwner(path);
        throw new StoreOpenError(
          `The database ${dbPath} is in use by ${owner === undefined ? 'another process' : `process ${owner}`} (is this unit already running?). Stop it first.`,
          dbPath,
        );
      }
      // A pid file left by an older GymEdge: not a database. Nothing holds it; replace it.
      if (code === 'SQLITE_NOTADB' && attempt === 0) {
        rmSync(path, { force: true });
        continue;
      }
      throw new StoreOpenError(`Could not lock ${dbPath}: ${(error as Error).message}`, dbPath, {
        cause: error,
      });
    }
  }
  if (lock === undefined) throw new StoreOpenError(`Could not lock ${dbPath}.`, dbPath);
  const held = lock;
  // Never open the lock file otherwise: closing any descriptor of it would drop this process's lock.
  chmodSync(path, 0o600);
  writeFileSync(`${path}.pid`, String(process.pid), { mode: 0o600 });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Only the holder touches the pid file, and only while it still holds the lock.
    rmSync(`${path}.pid`, { force: true });
    held.close();
  };
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(`${path}.pid`, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
