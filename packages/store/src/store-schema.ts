import type { Database } from 'better-sqlite3';

/**
 * The store's own tables, shared by every database that holds documents (a unit, HQ): `meta`, `documents`,
 * `change_log`, `quarantine` and `projection_versions` (`chunks` belongs to the storage adapter). Each step
 * runs once, in order; the version is kept in `meta` under `store_schema`, so an app keeps `user_version`
 * for its own tables.
 */
const STEPS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  -- One row per document: what it is and where its chunks stand. Answers "which documents exist".
  CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    heads TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS documents_by_type ON documents (type);
  CREATE INDEX IF NOT EXISTS documents_to_compact ON documents (chunks) WHERE chunks > 1;

  -- Every change this unit made or received, in order: what sync ships and acknowledges.
  CREATE TABLE IF NOT EXISTS change_log (
    seq INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    change_hash TEXT,
    heads TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    bytes BLOB NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS change_log_by_doc ON change_log (doc_id, seq);

  -- Changes and documents that failed validation: kept with the reason, never applied, never dropped.
  CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    doc_type TEXT,
    origin TEXT NOT NULL,
    from_unit TEXT,
    reason TEXT NOT NULL,
    bytes BLOB,
    received_at TEXT NOT NULL,
    resolved_at TEXT
  );

  CREATE TABLE IF NOT EXISTS projection_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
  `,
];

export const STORE_SCHEMA_VERSION = STEPS.length;

export function migrateStoreSchema(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'store_schema'").get();
  const current = row === undefined ? 0 : Number(row.value);
  if (current > STEPS.length) {
    throw new Error(
      `This database was written by a newer GymEdge (store schema ${current}, this build knows ${STEPS.length}). Update GymEdge.`,
    );
  }
  for (let version = current; version < STEPS.length; version++) {
    db.transaction(() => {
      db.exec(STEPS[version] ?? '');
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('store_schema', ?)").run(
        String(version + 1),
      );
    })();
  }
}
