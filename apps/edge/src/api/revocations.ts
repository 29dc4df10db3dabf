import type { Database, Statement } from 'better-sqlite3';
import type { TokenRevocations } from './tokens.ts';

/**
 * Signed-out sessions in the unit's database (`revoked_sessions`), so a sign-out survives a restart.
 * Rows are kept until the session could no longer be refreshed anyway, then pruned on the next revoke.
 */
export class SqliteRevocations implements TokenRevocations {
  readonly #insert: Statement<[string, number]>;
  readonly #prune: Statement<[number]>;
  readonly #has: Statement<[string], { until: number }>;
  readonly #known = new Set<string>();

  constructor(
    db: Database,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS revoked_sessions (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID',
    );
    this.#insert = db.prepare('INSERT OR REPLACE INTO revoked_sessions (session_id, until) VALUES (?, ?)');
    this.#prune = db.prepare('DELETE FROM revoked_sessions WHERE until < ?');
    this.#has = db.prepare('SELECT until FROM revoked_sessions WHERE session_id = ?');
    const all = db.prepare<[], { session_id: string }>('SELECT session_id FROM revoked_sessions').all();
    for (const row of all) this.#known.add(row.session_id);
  }

  revoke(sessionId: string, until: number): void {
    this.#prune.run(Math.floor(this.now() / 1000));
    this.#insert.run(sessionId, until);
    this.#known.add(sessionId);
  }

  isRevoked(sessionId: string): boolean {
    // The set answers the common case (not revoked) without a query; the table is the durable copy.
    return this.#known.has(sessionId) && this.#has.get(sessionId) !== undefined;
  }
}
