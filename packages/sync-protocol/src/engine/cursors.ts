import type { Database, Statement } from 'better-sqlite3';

/**
 * Durable positions of sync streams (`sync_cursors`): how far a peer has acknowledged this database's
 * change log. They live in the same database as the log, so a backup and a restore keep them consistent
 * with it, and a restored log is simply resent from there (the receiver ignores what it already has).
 */
export class SyncCursors {
  readonly #get: Statement<[string, string], { position: number }>;
  readonly #set: Statement<[string, string, number, string]>;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS sync_cursors (
      peer TEXT NOT NULL, stream TEXT NOT NULL, position INTEGER NOT NULL, updated_at TEXT NOT NULL,
      PRIMARY KEY (peer, stream)) WITHOUT ROWID`);
    this.#get = db.prepare('SELECT position FROM sync_cursors WHERE peer = ? AND stream = ?');
    this.#set = db.prepare(
      `INSERT INTO sync_cursors (peer, stream, position, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (peer, stream) DO UPDATE SET position = max(position, excluded.position), updated_at = excluded.updated_at`,
    );
  }

  get(peer: string, stream: string): number {
    return this.#get.get(peer, stream)?.position ?? 0;
  }

  /** Moves a cursor forward (never back). */
  advance(peer: string, stream: string, position: number, at = new Date().toISOString()): void {
    this.#set.run(peer, stream, position, at);
  }
}
