import type { Database } from 'better-sqlite3';

/**
 * The unit database's own tables (besides `chunks`, owned by the storage adapter, and the tables of
 * each projection). Versioned with `PRAGMA user_version`; each step runs once, in order.
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

  -- Per-member keys for the sealed personal fields; deleting a key is the erasure.
  CREATE TABLE IF NOT EXISTS member_keys (member_id TEXT PRIMARY KEY, key BLOB NOT NULL, created_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS erasures (member_id TEXT PRIMARY KEY, erased_at TEXT NOT NULL, actor TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
  );

  -- High-rate facts that are not CRDTs: append-only, idempotent ids, shipped to HQ in batches.
  CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    payload TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS events_by_kind_time ON events (kind, at);
  CREATE TABLE IF NOT EXISTS checkins (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    at TEXT NOT NULL,
    local_date TEXT NOT NULL,
    method TEXT NOT NULL,
    home_unit_id TEXT,
    membership_id TEXT,
    denied TEXT,
    staff_id TEXT,
    shipped_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS checkins_by_member ON checkins (member_id, at);
  CREATE INDEX IF NOT EXISTS checkins_by_day ON checkins (local_date, at);
  CREATE INDEX IF NOT EXISTS checkins_to_ship ON checkins (shipped_at) WHERE shipped_at IS NULL;
  CREATE TABLE IF NOT EXISTS occupancy_samples (
    id TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL,
    at TEXT NOT NULL,
    people INTEGER NOT NULL CHECK (people >= 0)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS occupancy_by_zone_time ON occupancy_samples (zone_id, at);

  CREATE TABLE IF NOT EXISTS projection_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
  `,
];

export const LOCAL_SCHEMA_VERSION = STEPS.length;

export function migrateLocalSchema(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > STEPS.length) {
    throw new Error(
      `This database was written by a newer GymEdge (schema ${current}, this build knows ${STEPS.length}). Update GymEdge.`,
    );
  }
  for (let version = current; version < STEPS.length; version++) {
    db.transaction(() => {
      db.exec(STEPS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
