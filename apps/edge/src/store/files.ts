import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';

/** Mode of a unit's folder and of every file in it: the unit's user only. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Makes a unit folder private: the folder (and its subfolders) 0700, every file in it 0600, and `unit.db` created 0600
 * before SQLite opens it (SQLite gives its WAL and shared-memory files the mode of the database file).
 */
export function secureUnitFolder(dir: string, dbFile: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE);
  if (!existsSync(dbFile)) closeSync(openSync(dbFile, 'a', FILE_MODE));
  restrict(dir);
}

/** Folders 0700 and files 0600, all the way down (other parts of the unit keep files in subfolders). */
function restrict(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if ((statSync(path).mode & 0o777) !== DIR_MODE) chmodSync(path, DIR_MODE);
      restrict(path);
    } else if (entry.isFile() && (statSync(path).mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
  }
}

/** fsyncs a file, then the folder that holds it (so a new name survives power loss too). */
export function fsyncFileAndFolder(file: string, folder: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dirFd = openSync(folder, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
