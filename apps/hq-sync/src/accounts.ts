import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@gymedge/crdt-schema';
import { hashPassword, verifyPassword } from '@gymedge/edge/api';
import { dummyPasswordHash } from '@gymedge/edge/src/api/auth.ts';
import type { Account, AccountDirectory } from '@gymedge/edge/src/services/contracts.ts';
import type { Database } from 'better-sqlite3';

interface Row {
  id: string;
  login: string;
  name: string;
  role: Role;
  password_hash: string;
  active: number;
}

/** A sign-in account of HQ, as the unit's API reads accounts. */
type HqAccount = Account & { readonly passwordHash: string; readonly credentialStamp: string };

function toAccount(row: Row): HqAccount {
  const account = {
    id: row.id,
    login: row.login,
    name: row.name,
    role: row.role,
    units: ['*'],
    passwordHash: row.password_hash,
    // Changes with the password, so tokens issued before a password change stop working.
    credentialStamp: createHash('sha256').update(row.password_hash).digest('base64url').slice(0, 16),
    active: row.active === 1,
  };
  return account;
}

/**
 * HQ's own sign-in accounts, in HQ's local database (never replicated: no password hash travels to a
 * unit). The API built from the unit's pieces reads them through the same {@link AccountDirectory}
 * interface a unit's accounts have, so sign-in, tokens, roles and throttling are the unit's code.
 */
export class HqAccounts implements AccountDirectory {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS hq_accounts (
        id TEXT PRIMARY KEY,
        login TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
      );
    `);
  }

  findByLogin(login: string): HqAccount | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM hq_accounts WHERE login = ?')
      .get(login.trim().toLowerCase());
    return row === undefined ? undefined : toAccount(row);
  }

  findById(id: string): HqAccount | undefined {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM hq_accounts WHERE id = ?').get(id);
    return row === undefined ? undefined : toAccount(row);
  }

  async checkPassword(account: Account | undefined, password: string): Promise<boolean> {
    const stored = account === undefined ? undefined : this.findById(account.id)?.passwordHash;
    const matches = await verifyPassword(stored ?? (await dummyPasswordHash()), password);
    return stored !== undefined && matches;
  }

  hasActiveOwner(): boolean {
    return (
      this.#db.prepare("SELECT 1 FROM hq_accounts WHERE role = 'owner' AND active = 1 LIMIT 1").get() !==
      undefined
    );
  }

  /**
   * HQ's first owner, `admin`, when HQ has none: with the given password (the demo passes
   * `GYMEDGE_DEMO_PASSWORD`, the same as the units') or a generated one returned once. An existing
   * `admin` whose password differs from the one given gets it, so the demo's one password always works.
   */
  async ensureOwner(password?: string): Promise<{ login: string; password: string } | undefined> {
    const admin = this.findByLogin('admin');
    if (admin !== undefined) {
      if (password === undefined || (await this.checkPassword(admin, password))) return undefined;
      this.#db
        .prepare('UPDATE hq_accounts SET password_hash = ? WHERE id = ?')
        .run(await hashPassword(password), admin.id);
      return undefined;
    }
    if (this.hasActiveOwner() && password === undefined) return undefined;
    const clear = password ?? randomBytes(12).toString('base64url');
    this.#db
      .prepare(
        'INSERT INTO hq_accounts (id, login, name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)',
      )
      .run(
        `staff:hq-${randomBytes(8).toString('hex')}`,
        'admin',
        'Administrador (HQ)',
        'owner',
        await hashPassword(clear),
        new Date().toISOString(),
      );
    return { login: 'admin', password: clear };
  }
}
