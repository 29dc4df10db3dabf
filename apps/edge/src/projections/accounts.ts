import type { AnyDoc, Role, StaffDoc } from '@gymedge/crdt-schema';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { Account, AccountDirectory } from '../services/contracts.ts';

interface AccountRow {
  doc_id: string;
  login: string;
  name: string;
  role: Role;
  units: string;
  password_hash: string;
  active: number;
  member_id: string | null;
}

/** `account_index`: who can sign in, looked up by login at every login. */
export class AccountProjection implements Projection, AccountDirectory {
  readonly name = 'accounts';
  readonly version = 1;
  readonly types = ['staff'] as const;
  #db!: Database;
  #upsert!: Statement<Record<string, unknown>>;
  #byLogin!: Statement<[string], AccountRow>;
  #byId!: Statement<[string], AccountRow>;

  setup(db: Database): void {
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS account_index (
      doc_id TEXT PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, units TEXT NOT NULL,
      password_hash TEXT NOT NULL, active INTEGER NOT NULL, member_id TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS account_by_login ON account_index (login);`);
    this.#upsert =
      db.prepare(`INSERT OR REPLACE INTO account_index (doc_id, login, name, role, units, password_hash, active, member_id)
      VALUES (@doc_id, @login, @name, @role, @units, @password_hash, @active, @member_id)`);
    this.#byLogin = db.prepare(
      'SELECT * FROM account_index WHERE login = ? ORDER BY active DESC, doc_id LIMIT 1',
    );
    this.#byId = db.prepare('SELECT * FROM account_index WHERE doc_id = ?');
  }

  apply(doc: AnyDoc): void {
    if (doc.type !== 'staff') return;
    const staff = doc as StaffDoc;
    this.#upsert.run({
      doc_id: staff.id,
      login: staff.login,
      name: staff.name,
      role: staff.role,
      units: JSON.stringify(staff.units),
      password_hash: staff.passwordHash,
      active: Number(staff.active),
      member_id: staff.memberId ?? null,
    });
  }

  reset(): void {
    this.#db.exec('DELETE FROM account_index');
  }

  findByLogin(login: string): Account | undefined {
    const row = this.#byLogin.get(login.trim().toLowerCase());
    return row === undefined ? undefined : toAccount(row);
  }

  /** Whether any active account has this role (e.g. is there an owner who can sign in?). */
  hasActive(role: Role): boolean {
    return (
      this.#db.prepare('SELECT 1 FROM account_index WHERE role = ? AND active = 1 LIMIT 1').get(role) !==
      undefined
    );
  }

  findById(id: string): Account | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toAccount(row);
  }
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.doc_id,
    login: row.login,
    name: row.name,
    role: row.role,
    units: JSON.parse(row.units) as string[],
    passwordHash: row.password_hash,
    active: row.active === 1,
    ...(row.member_id === null ? {} : { memberId: row.member_id }),
  };
}
