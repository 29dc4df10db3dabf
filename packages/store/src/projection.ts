import type { AnyDoc, DocType } from '@gymedge/crdt-schema';
import BetterSqlite, { type Database } from 'better-sqlite3';
import { migrateStoreSchema } from './store-schema.ts';

/**
 * A SQL read model kept up to date inside the same transaction as every document write, so the
 * screens read tables, never documents. Bump `version` when its tables change: the store then
 * drops its tables, sets it up anew and rebuilds it from the documents at start-up (`setupProjections`;
 * `gymedge rebuild` rebuilds on demand).
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly types: readonly DocType[];
  /**
   * The tables it owns, dropped when its version changes (see `setupProjections`). Optional: without
   * it, the tables its `setup` creates on an empty database are taken.
   */
  readonly tables?: readonly string[];
  /** Creates its tables and prepares its statements (called once per open database). */
  setup(db: Database): void;
  /** Writes the current state of one document (called with the document after every change). */
  apply(doc: AnyDoc): void;
  /** Empties its tables before a rebuild. */
  reset(): void;
}

/**
 * Sets up projections on a database, and lets a projection change its tables with a version bump:
 * when the version stored in `projection_versions` differs from the code's, the projection's tables
 * are dropped BEFORE its `setup` runs (so `setup` creates them anew and prepares its statements
 * against the new columns), and the store's rebuild then fills them from the documents. The tables
 * are `projection.tables` when given, otherwise those its `setup` creates on an empty in-memory
 * database. The stored version is written only after the rebuild, so a crash mid-rebuild drops and
 * rebuilds again at the next start. Returns the names of the projections whose tables were dropped.
 */
export function setupProjections(db: Database, projections: readonly Projection[]): string[] {
  const stored = new Map(
    db
      .prepare<[], { name: string; version: number }>('SELECT name, version FROM projection_versions')
      .all()
      .map((row) => [row.name, row.version]),
  );
  const dropped: string[] = [];
  for (const projection of projections) {
    const version = stored.get(projection.name);
    if (version !== undefined && version !== projection.version) {
      db.transaction(() => {
        for (const table of projection.tables ?? tablesCreatedBy(projection))
          db.exec(`DROP TABLE IF EXISTS "${table.replaceAll('"', '""')}"`);
      })();
      dropped.push(projection.name);
    }
    projection.setup(db);
  }
  return dropped;
}

/** The tables a projection's `setup` creates, found on a scratch in-memory database (virtual tables first, without their shadow tables). */
function tablesCreatedBy(projection: Projection): string[] {
  const scratch = new BetterSqlite(':memory:');
  try {
    migrateStoreSchema(scratch);
    scratch.exec(
      'CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID',
    );
    const before = new Set(namesOfTables(scratch).map((t) => t.name));
    projection.setup(scratch);
    const created = namesOfTables(scratch).filter((t) => !before.has(t.name));
    const virtual = created.filter((t) => t.virtual).map((t) => t.name);
    const plain = created
      .filter((t) => !t.virtual && !virtual.some((v) => t.name.startsWith(`${v}_`)))
      .map((t) => t.name);
    return [...virtual, ...plain];
  } finally {
    scratch.close();
  }
}

function namesOfTables(db: Database): Array<{ name: string; virtual: boolean }> {
  return db
    .prepare<[], { name: string; sql: string | null }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .all()
    .map((row) => ({ name: row.name, virtual: /^\s*CREATE\s+VIRTUAL/i.test(row.sql ?? '') }));
}
