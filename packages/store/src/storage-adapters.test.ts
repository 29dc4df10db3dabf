import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MemoryStorageAdapter } from './memory-storage.ts';
import { SqliteStorageAdapter } from './sqlite-storage.ts';
import { runStorageAdapterTests } from './storage-adapter.suite.ts';

runStorageAdapterTests('in-memory', () => ({ adapter: new MemoryStorageAdapter() }));

runStorageAdapterTests('SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-storage-'));
  const db = new Database(join(dir, 'unit.db'));
  db.pragma('journal_mode = WAL');
  return {
    adapter: new SqliteStorageAdapter(db),
    teardown: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
