import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UnitId } from '@gymedge/crdt-schema';
import { HQ_PEER, type SyncIdentity, usernameOf } from '@gymedge/sync-protocol';
import Database, { type Database as Db } from 'better-sqlite3';
import { hashBrokerPassword, hashWithMosquittoPasswd, verifyBrokerPassword } from './password-hash.ts';

/** One MQTT identity HQ issued: a unit's, or the relay's own. The password is kept only as a hash. */
export interface BrokerIdentity {
  readonly username: string;
  readonly peer: SyncIdentity;
  /** Mosquitto's `$7$` PBKDF2-SHA512 form, checked by Aedes and written to Mosquitto's password_file. */
  readonly passwordHash: string;
  /** `mosquitto_passwd` when the real tool made the hash, `node` otherwise (the same format). */
  readonly hashedBy: 'mosquitto_passwd' | 'node';
  readonly issuedAt: string;
}

/** A freshly issued identity with its clear password: shown once (written into the unit's file). */
export interface IssuedIdentity extends BrokerIdentity {
  readonly password: string;
  /** For a unit: base64 of the 32-byte secret it shares with HQ only (wraps member keys in transit). */
  readonly linkKey?: string;
}

interface Row {
  username: string;
  kind: 'unit' | 'hq';
  unit_id: string | null;
  password_hash: string;
  hashed_by: 'mosquitto_passwd' | 'node';
  issued_at: string;
  link_key: string | null;
}

function toIdentity(row: Row): BrokerIdentity {
  return {
    username: row.username,
    peer: row.kind === 'unit' ? { role: 'unit', unitId: row.unit_id ?? row.username } : { role: 'hq' },
    passwordHash: row.password_hash,
    hashedBy: row.hashed_by,
    issuedAt: row.issued_at,
  };
}

/**
 * The MQTT identities HQ has issued, in their own small SQLite file beside HQ's store (so that
 * `gymedge hq enrol` works while HQ runs: the embedded broker reads it at every connect, and a
 * re-enrolment revokes the old password at once).
 */
export class IdentityRegistry {
  readonly #db: Db;

  /** Uses an open database (HQ's local one); creates its table when missing. */
  constructor(db: Db) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS broker_identities (
        username TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('unit', 'hq')),
        unit_id TEXT,
        password_hash TEXT NOT NULL,
        hashed_by TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        link_key TEXT
      );
    `);
  }

  /** Opens (or creates) a database file of its own for the registry; {@link close} closes it. */
  static open(path: string): IdentityRegistry {
    return new IdentityRegistry(openLocalDatabase(path));
  }

  /**
   * Issues (or re-issues, revoking the old password) the identity of a peer with a new random password
   * of 32 bytes. Hashes with `mosquitto_passwd` when it is installed, else the same format in Node.
   */
  async issue(peer: SyncIdentity): Promise<IssuedIdentity> {
    if (peer.role === 'unit') {
      UnitId.parse(peer.unitId);
      if (peer.unitId === HQ_PEER)
        throw new Error(`a unit may not be called "${HQ_PEER}": that is HQ's name`);
      if (peer.unitId.startsWith('gymedge-')) {
        throw new Error('a unit id may not start with "gymedge-": MQTT client ids are built from it');
      }
    }
    const username = usernameOf(peer);
    const password = randomBytes(32).toString('base64url');
    const viaTool = await hashWithMosquittoPasswd(username, password);
    const linkKey = peer.role === 'unit' ? randomBytes(32).toString('base64') : undefined;
    const identity: IssuedIdentity = {
      username,
      peer,
      password,
      passwordHash: viaTool ?? hashBrokerPassword(password),
      hashedBy: viaTool === undefined ? 'node' : 'mosquitto_passwd',
      issuedAt: new Date().toISOString(),
      ...(linkKey === undefined ? {} : { linkKey }),
    };
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO broker_identities
           (username, kind, unit_id, password_hash, hashed_by, issued_at, link_key)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        username,
        peer.role,
        peer.role === 'unit' ? peer.unitId : null,
        identity.passwordHash,
        identity.hashedBy,
        identity.issuedAt,
        linkKey ?? null,
      );
    return identity;
  }

  /** The identity whose password this is, or undefined (unknown user, wrong password, revoked). */
  authenticate(username: string, password: string): BrokerIdentity | undefined {
    const identity = this.get(username);
    if (identity === undefined) {
      // Same work for an unknown user as for a wrong password.
      verifyBrokerPassword(DUMMY_HASH, password);
      return undefined;
    }
    return verifyBrokerPassword(identity.passwordHash, password) ? identity : undefined;
  }

  get(username: string): BrokerIdentity | undefined {
    const row = this.#db
      .prepare<[string], Row>('SELECT * FROM broker_identities WHERE username = ?')
      .get(username);
    return row === undefined ? undefined : toIdentity(row);
  }

  /**
   * The link key HQ shares with an enrolled unit (the relay unwraps that unit's member keys with it);
   * undefined when the unit is not enrolled.
   */
  linkKeyOf(unitId: string): Uint8Array | undefined {
    const row = this.#db
      .prepare<[string], { link_key: string | null }>(
        "SELECT link_key FROM broker_identities WHERE kind = 'unit' AND unit_id = ?",
      )
      .get(unitId);
    return row?.link_key ? new Uint8Array(Buffer.from(row.link_key, 'base64')) : undefined;
  }

  /** The unit ids enrolled so far. */
  units(): string[] {
    return this.list().flatMap((identity) => (identity.peer.role === 'unit' ? [identity.peer.unitId] : []));
  }

  list(): BrokerIdentity[] {
    return this.#db
      .prepare<[], Row>('SELECT * FROM broker_identities ORDER BY kind DESC, username')
      .all()
      .map(toIdentity);
  }

  /** Removes an identity: its next connect is refused (a connected client stays until it reconnects). */
  revoke(username: string): boolean {
    return this.#db.prepare('DELETE FROM broker_identities WHERE username = ?').run(username).changes > 0;
  }

  /** Mosquitto's `password_file`: `user:$7$...` per identity. */
  mosquittoPasswordFile(): string {
    return `${this.list()
      .map((identity) => `${identity.username}:${identity.passwordHash}`)
      .join('\n')}\n`;
  }

  close(): void {
    this.#db.close();
  }
}

const DUMMY_HASH = hashBrokerPassword(randomBytes(16).toString('hex'));

/**
 * Opens HQ's local database (broker identities, HQ's sign-in accounts: secrets that never replicate),
 * in WAL mode so that `gymedge hq enrol` can write while HQ runs.
 */
export function openLocalDatabase(path: string): Db {
  // Password hashes and link keys: a folder and a file only HQ's user can read.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}
