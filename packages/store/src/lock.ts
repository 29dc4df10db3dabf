import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { StoreOpenError } from './database.ts';

/**
 * One process per unit database: a lock file holding the owner's pid. A lock left by a process
 * that died (kill -9, power loss) is taken over; a live owner makes the second start fail clearly.
 */
export function acquireLock(path: string, dbPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new StoreOpenError(
          `The database ${dbPath} is in use by process ${owner} (is this unit already running?). Stop it first.`,
          dbPath,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new StoreOpenError(`Could not lock ${dbPath}.`, dbPath);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
