import type { AnyDoc, CredentialDoc, Role, StaffDoc } from '@gymedge/crdt-schema';
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
  /** A unit's own account's hash (from its staff document); null on chain-wide accounts. */
  password_hash: string | null;
  /** The hash of the account's credential at this unit (chain-wide accounts), if any. */
  credential_hash: string | null;
  active: number;
  member_id: string | null;
}

const SELECT = `SELECT a.*, (SELECT c.password_hash FROM credential_index c WHERE c.staff_id = a.doc_id
  AND (@unit IS NULL OR c.unit_id = @unit) ORDER BY c.unit_id LIMIT 1) AS credential_hash FROM account_index a`;

/**
 * `account_index`: who can sign in, looked up by login at every login. Logins are unique per unit: when
 * two accounts that may act at the same unit claim one login (two units' histories merged, say), that
 * login signs nobody in there until one is renamed, rather than picking one of them silently.
 *
 * The password hash comes from the account's `credential` document at this unit (chain-wide accounts:
 * HQ sends one to each unit the account may act in, and the staff document that every unit replicates
 * carries none), or else from the staff document itself (a unit's own account, or a v1 chain-wide
 * account whose hash HQ has not moved yet). `credential_index` holds the credentials.
 */
export class AccountProjection implements Projection, AccountDirectory {
  readonly name = 'accounts';
  readonly version = 2;
  readonly types = ['staff', 'credential'] as const;
  readonly tables = ['account_index', 'credential_index'] as const;
  readonly #unitId: string | undefined;
  #db!: Database;
  #upsert!: Statement<Record<string, unknown>>;
  #upsertCredential!: Statement<Record<string, unknown>>;
  #byLogin!: Statement<{ login: string; unit: string | null }, AccountRow>;
  #byId!: Statement<{ id: string; unit: string | null }, AccountRow>;
  #byRole!: Statement<{ role: string; unit: string | null }, AccountRow>;
  readonly #hashes = new WeakMap<Account, string>();

  /** `unitId`: the unit whose credentials sign in here (a unit only ever receives its own). */
  constructor(options: { unitId?: string } = {}) {
    this.#unitId = options.unitId;
  }

  setup(db: Database): void {
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS account_index (
      doc_id TEXT PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, units TEXT NOT NULL,
      password_hash TEXT, active INTEGER NOT NULL, member_id TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS account_by_login ON account_index (login);
      CREATE TABLE IF NOT EXISTS credential_index (
        doc_id TEXT PRIMARY KEY, staff_id TEXT NOT NULL, unit_id TEXT NOT NULL, password_hash TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS credential_by_staff ON credential_index (staff_id, unit_id);`);
    this.#upsert =
      db.prepare(`INSERT OR REPLACE INTO account_index (doc_id, login, name, role, units, password_hash, active, member_id)
      VALUES (@doc_id, @login, @name, @role, @units, @password_hash, @active, @member_id)`);
    this.#upsertCredential = db.prepare(
      'INSERT OR REPLACE INTO credential_index (doc_id, staff_id, unit_id, password_hash) VALUES (@doc_id, @staff_id, @unit_id, @password_hash)',
    );
    this.#byLogin = db.prepare(`${SELECT} WHERE a.login = @login ORDER BY a.active DESC, a.doc_id`);
    this.#byId = db.prepare(`${SELECT} WHERE a.doc_id = @id`);
    this.#byRole = db.prepare(`${SELECT} WHERE a.role = @role AND a.active = 1`);
  }

  apply(doc: AnyDoc): void {
    if (doc.type === 'credential') {
      const credential = doc as CredentialDoc;
      if (credential.passwordHash === undefined) {
        this.#db.prepare('DELETE FROM credential_index WHERE doc_id = ?').run(credential.id);
        return;
      }
      this.#upsertCredential.run({
        doc_id: credential.id,
        staff_id: credential.staffId,
        unit_id: credential.unitId,
        password_hash: credential.passwordHash,
      });
      return;
    }
    if (doc.type !== 'staff') return;
    const staff = doc as StaffDoc;
    this.#upsert.run({
      doc_id: staff.id,
      login: staff.login,
      name: staff.name,
      role: staff.role,
      units: JSON.stringify(staff.units),
      password_hash: staff.passwordHash ?? null,
      active: Number(staff.active),
      member_id: staff.memberId ?? null,
    });
  }

  reset(): void {
    this.#db.exec('DELETE FROM account_index; DELETE FROM credential_index;');
  }

  findByLogin(login: string, unitId?: string): Account | undefined {
    const accounts = this.#byLogin
      .all({ login: login.trim().toLowerCase(), unit: this.#unitId ?? null })
      .map((row) => this.#toAccount(row));
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

  /** An account without a hash here (a chain-wide account whose credential has not arrived) matches no password. */
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
    return this.#byRole
      .all({ role, unit: this.#unitId ?? null })
      .some((row) => mayActIn(this.#toAccount(row), unitId));
  }

  findById(id: string): Account | undefined {
    const row = this.#byId.get({ id, unit: this.#unitId ?? null });
    return row === undefined ? undefined : this.#toAccount(row);
  }

  #toAccount(row: AccountRow): Account {
    const hash = row.credential_hash ?? row.password_hash;
    const account: Account = {
      id: row.doc_id,
      login: row.login,
      name: row.name,
      role: row.role,
      units: JSON.parse(row.units) as string[],
      // No hash (yet): a stamp that no token carries, so no token of it is accepted either.
      credentialStamp: hash === null ? 'no-credential' : credentialStampOf(hash),
      active: row.active === 1,
      ...(row.member_id === null ? {} : { memberId: row.member_id }),
    };
    if (hash !== null) this.#hashes.set(account, hash);
    return account;
  }
}
