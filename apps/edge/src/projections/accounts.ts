import type { AnyDoc, Role, StaffDoc } from '@gymedge/crdt-schema';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import { checkPasswordHash, credentialStampOf, mayActIn } from '../api/auth.ts';
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

/**
 * `account_index`: who can sign in, looked up by login at every login. Logins are unique per unit: when
 * two accounts that may act at the same unit claim one login (two units' histories merged, say), that
 * login signs nobody in there until one is renamed, rather than picking one of them silently.
 */
export class AccountProjection implements Projection, AccountDirectory {
  readonly name = 'accounts';
  readonly version = 1;
  readonly types = ['staff'] as const;
  #db!: Database;
  #upsert!: Statement<Record<string, unknown>>;
  #byLogin!: Statement<[string], AccountRow>;
  #byId!: Statement<[string], AccountRow>;
  readonly #hashes = new WeakMap<Account, string>();

  setup(db: Database): void {
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS account_index (
      doc_id TEXT PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, units TEXT NOT NULL,
      password_hash TEXT NOT NULL, active INTEGER NOT NULL, member_id TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS account_by_login ON account_index (login);`);
    this.#upsert =
      db.prepare(`INSERT OR REPLACE INTO account_index (doc_id, login, name, role, units, password_hash, active, member_id)
      VALUES (@doc_id, @login, @name, @role, @units, @password_hash, @active, @member_id)`);
    this.#byLogin = db.prepare('SELECT * FROM account_index WHERE login = ? ORDER BY active DESC, doc_id');
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

  findByLogin(login: string, unitId?: string): Account | undefined {
    const accounts = this.#byLogin.all(login.trim().toLowerCase()).map((row) => this.#toAccount(row));
    if (unitId === undefined) return accounts.length === 1 ? accounts[0] : undefined;
    const here = accounts.filter((account) => mayActIn(account, unitId));
    const active = here.filter((account) => account.active);
    if (active.length > 1) return undefined;
    // None here: the first other one, so sign-in can say "not at this unit" after a correct password.
    return active[0] ?? here[0] ?? accounts[0];
  }

  /** Logins claimed by more than one account (an administrator must rename one), for health. */
  sharedLogins(): string[] {
    return this.#db
      .prepare<[], { login: string }>(
        'SELECT login FROM account_index WHERE active = 1 GROUP BY login HAVING count(*) > 1 ORDER BY login',
      )
      .all()
      .map((row) => row.login);
  }

  checkPassword(account: Account | undefined, password: string): Promise<boolean> {
    return checkPasswordHash(account === undefined ? undefined : this.#hashes.get(account), password);
  }

  /** Whether any active account has this role (e.g. is there an owner who can sign in?). */
  hasActive(role: Role): boolean {
    return (
      this.#db.prepare('SELECT 1 FROM account_index WHERE role = ? AND active = 1 LIMIT 1').get(role) !==
      undefined
    );
  }

  /** Whether an active account with this role may act at `unitId` (its units hold the unit or `*`). */
  hasActiveAt(role: Role, unitId: string): boolean {
    return this.#db
      .prepare<[string], AccountRow>('SELECT * FROM account_index WHERE role = ? AND active = 1')
      .all(role)
      .some((row) => mayActIn(this.#toAccount(row), unitId));
  }

  findById(id: string): Account | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : this.#toAccount(row);
  }

  #toAccount(row: AccountRow): Account {
    const account: Account = {
      id: row.doc_id,
      login: row.login,
      name: row.name,
      role: row.role,
      units: JSON.parse(row.units) as string[],
      credentialStamp: credentialStampOf(row.password_hash),
      active: row.active === 1,
      ...(row.member_id === null ? {} : { memberId: row.member_id }),
    };
    this.#hashes.set(account, row.password_hash);
    return account;
  }
}
