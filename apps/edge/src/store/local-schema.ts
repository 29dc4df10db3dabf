import { migrateStoreSchema } from '@gymedge/store';
import type { Database } from 'better-sqlite3';

/**
 * The unit database's own tables: keys, erasures, audit, and the append-only facts (besides the store's
 * tables from `@gymedge/store`, `chunks` owned by the storage adapter, and each projection's tables).
 * Versioned with `PRAGMA user_version`; each step runs once, in order. Step 1 once also created the store's
 * tables; `migrateStoreSchema` creates them now (idempotent on databases made before the split).
 */
const STEPS: readonly string[] = [
  `
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

  `,
];

export const LOCAL_SCHEMA_VERSION = STEPS.length;

export function migrateLocalSchema(db: Database): void {
  migrateStoreSchema(db);
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
