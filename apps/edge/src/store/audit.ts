import type { Database, Statement } from 'better-sqlite3';

export interface AuditEntry {
  readonly actorId: string;
  readonly actorRole: string;
  readonly action: string;
  readonly target?: string;
  readonly detail?: Record<string, unknown>;
}

/** Who did what, appended in the same transaction as the change it describes. Never holds personal data. */
export class AuditLog {
  readonly #insert: Statement<[string, string, string, string, string | null, string | null]>;
  readonly #recent: Statement<
    [number],
    {
      seq: number;
      at: string;
      actor_id: string;
      actor_role: string;
      action: string;
      target: string | null;
      detail: string | null;
    }
  >;

  constructor(db: Database) {
    this.#insert = db.prepare(
      'INSERT INTO audit_log (at, actor_id, actor_role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#recent = db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?');
  }

  append(entry: AuditEntry, at = new Date().toISOString()): void {
    this.#insert.run(
      at,
      entry.actorId,
      entry.actorRole,
      entry.action,
      entry.target ?? null,
      entry.detail === undefined ? null : JSON.stringify(entry.detail),
    );
  }

  recent(limit = 50) {
    return this.#recent.all(limit);
  }
}
