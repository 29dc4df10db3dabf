import { createHash, randomBytes } from 'node:crypto';
import { type DocumentId, deterministicDocId, type Role, type StaffDoc } from '@gymedge/crdt-schema';
import { hashPassword, verifyPassword } from '@gymedge/edge/api';
import { dummyPasswordHash } from '@gymedge/edge/src/api/auth.ts';
import type { Account, AccountDirectory } from '@gymedge/edge/src/services/contracts.ts';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { HqStore } from './relay/hq-store.ts';

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
 * unit). Chain-wide accounts that sign in at the units are {@link ChainStaff}'s. The API built from the unit's pieces reads them through the same {@link AccountDirectory}
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

/** What a chain-wide account is made of (its password is given in the clear once and kept only hashed). */
export interface ChainAccountInput {
  readonly name: string;
  readonly login: string;
  readonly role: Role;
  /** Units it may act in, or `['*']` for every unit of the chain. */
  readonly units: readonly string[];
  readonly password: string;
}

export interface ChainStaffOptions {
  readonly hq: HqStore;
  /** Every unit of the chain (the enrolled ones): where a `*` account gets credentials. */
  readonly units: () => readonly string[];
  /** HQ wrote documents: the relay sends them down. */
  readonly onWritten?: () => void;
  readonly logger: Logger;
  readonly everyMs?: number;
}

/**
 * Chain-wide accounts (staff documents with `unitId: 'chain'`, which HQ alone writes and every unit
 * replicates) and their passwords. The hash is never on the staff document: HQ writes one `credential`
 * document per unit the account may act in, addressed to that unit, so it goes down that unit's stream
 * only and a unit where the account does not work never holds it (docs/sync.md, _What goes where_).
 *
 * `reconcile()` (at start, then every `everyMs`) gives credentials to units enrolled later (`*` accounts,
 * or a unit added to an account's list), withdraws them from units an account no longer acts in, and
 * moves the hash of a v1 chain-wide account off its staff document (the staff v1 → v2 migration).
 */
export class ChainStaff {
  readonly #o: ChainStaffOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: ChainStaffOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'chain-staff' });
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const run = () => {
      this.#running ??= this.reconcile()
        .catch((error: unknown) => this.#log.error({ err: error }, 'could not reconcile chain credentials'))
        .finally(() => (this.#running = undefined));
    };
    run();
    this.#timer = setInterval(run, this.#o.everyMs ?? 30_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Creates a chain-wide account and its credentials at every unit it may act in. A login that an active
   * account acting at one of the same units already has is refused (it would sign nobody in there).
   */
  async create(input: ChainAccountInput): Promise<StaffDoc> {
    const store = this.#o.hq.store;
    const login = input.login.trim().toLowerCase();
    const overlaps = (units: readonly string[]) =>
      units.includes('*') || input.units.includes('*') || units.some((u) => input.units.includes(u));
    for (const id of store.idsOfType('staff')) {
      const other = store.get<'staff'>(id);
      if (other?.active && other.login === login && overlaps(other.units))
        throw new Error(`The login ${login} is already taken by ${other.id} at a unit this account acts in.`);
    }
    const staff = await store.create(
      'staff',
      { name: input.name, login: input.login, role: input.role, units: [...input.units], active: true },
      { unitId: 'chain' },
    );
    await this.#credentials(staff, await hashPassword(input.password));
    this.#o.onWritten?.();
    return staff;
  }

  /** Sets a chain-wide account's password at every unit it may act in (tokens issued before stop working). */
  async setPassword(staffId: string, password: string): Promise<void> {
    const staff = this.#o.hq.store.get<'staff'>(staffId);
    if (staff === undefined || staff.unitId !== 'chain')
      throw new Error(`${staffId} is not a chain-wide account`);
    await this.#credentials(staff, await hashPassword(password));
    this.#o.onWritten?.();
  }

  /** Brings every chain-wide account's credentials in line with its units; returns the documents written. */
  async reconcile(): Promise<number> {
    const store = this.#o.hq.store;
    let wrote = 0;
    // Only chain-wide accounts (a unit's own are its business), found without loading the others.
    const chainWide = this.#o.hq.db
      .prepare<[], { doc_id: string }>(
        "SELECT doc_id FROM documents WHERE unit_id = 'chain' AND doc_id LIKE 'staff:%' ORDER BY doc_id",
      )
      .all();
    for (const { doc_id: id } of chainWide) {
      const staff = store.get<'staff'>(id);
      if (staff === undefined || staff.unitId !== 'chain') continue;
      // A v1 account's hash (or any that got onto the document): to the credentials, then off the document.
      const hash = staff.passwordHash ?? this.#knownHash(staff.id);
      wrote += await this.#credentials(staff, hash);
      if (staff.passwordHash !== undefined) {
        await store.update<'staff'>(staff.id, { passwordHash: undefined });
        this.#log.info({ staffId: staff.id }, 'moved a chain-wide password hash to per-unit credentials');
        wrote++;
      }
    }
    if (wrote > 0) this.#o.onWritten?.();
    return wrote;
  }

  /** The hash this account's credentials hold now (any unit: they are all the same). */
  #knownHash(staffId: string): string | undefined {
    const store = this.#o.hq.store;
    for (const unit of this.#o.units()) {
      const hash = store.get<'credential'>(credentialIdOf(staffId, unit))?.passwordHash;
      if (hash !== undefined) return hash;
    }
    return undefined;
  }

  /** Writes `hash` to the credentials of the units `staff` acts in, and withdraws it from the others. */
  async #credentials(staff: StaffDoc, hash: string | undefined): Promise<number> {
    const store = this.#o.hq.store;
    const everywhere = staff.units.includes('*');
    let wrote = 0;
    for (const unit of this.#o.units()) {
      const id = credentialIdOf(staff.id, unit);
      const current = store.get<'credential'>(id);
      const here = everywhere || staff.units.includes(unit);
      const wanted = here ? hash : undefined;
      if (current === undefined) {
        if (wanted === undefined) continue;
        await store.create(
          'credential',
          { staffId: staff.id, passwordHash: wanted, setAt: new Date().toISOString() },
          { id, unitId: unit },
        );
        wrote++;
      } else if (current.passwordHash !== wanted) {
        await store.update<'credential'>(id, { passwordHash: wanted, setAt: new Date().toISOString() });
        wrote++;
      }
    }
    return wrote;
  }
}

/** The id of a chain-wide account's credential at one unit. */
export function credentialIdOf(staffId: string, unitId: string): DocumentId<'credential'> {
  return deterministicDocId('credential', staffId, unitId);
}
