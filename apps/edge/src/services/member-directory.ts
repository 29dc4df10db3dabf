import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnyDoc, DirectoryDoc, DirectoryMembership, MembershipDoc } from '@gymedge/crdt-schema';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { CheckInMembership } from '../domain/checkin.ts';
import { membershipState } from '../domain/memberships.ts';
import type { PlanTerms } from '../domain/plans.ts';
import { digitsOnly } from '../domain/text.ts';
import type { PiiVault } from '../store/pii-vault.ts';
import type { UnitStore } from '../unit-store.ts';

/**
 * The member directory at a unit (docs/sync.md, _What goes where_): the `directory` documents HQ sends
 * this unit about members of other units, so that such a member checks in here offline. This file
 * holds both ends' shared rules (the look-up key and hashes), the unit's read model and the check-in's
 * view of a visitor; HQ's builder is apps/hq-sync/src/directory.ts.
 */

/** The key of a unit's directory look-ups: derived from the link key HQ's enrolment shared with it. */
export function directoryLookupKey(linkKey: Uint8Array): Buffer {
  return createHmac('sha256', linkKey).update('gymedge/v1/directory-lookup').digest();
}

/** A short public name of a look-up key (so HQ knows which entries a re-enrolment made stale). */
export function directoryKeyId(lookupKey: Uint8Array): string {
  return createHmac('sha256', lookupKey).update('key-id').digest('hex').slice(0, 16);
}

/** The look-up hash of a CPF (digits only) or of a member card, under a unit's look-up key. */
export function directoryLookupHash(lookupKey: Uint8Array, kind: 'document' | 'card', value: string): string {
  const normal = kind === 'document' ? digitsOnly(value) : value.trim().toUpperCase();
  return createHmac('sha256', lookupKey).update(`${kind}|${normal}`).digest('hex');
}

/**
 * `directory_index`: the unit's read model of the directory, holding look-up hashes and ids only (no
 * name, no CPF, clear or sealed). An entry that arrives erased is removed and, in the same transaction,
 * the member's key is destroyed through the vault, which records the erasure (so the key is never
 * accepted again, and the WAL is truncated before the change is acknowledged to HQ). An entry that
 * arrives without sealed fields (the member's chain-wide plan lapsed) drops the key, without an erasure.
 */
export class DirectoryProjection implements Projection {
  readonly name = 'directory';
  readonly version = 1;
  readonly types = ['directory'] as const;
  readonly tables = ['directory_index'] as const;
  readonly #vault: PiiVault;
  #db!: Database;
  #upsert!: Statement<Record<string, unknown>>;
  #remove!: Statement<[string]>;

  constructor(vault: PiiVault) {
    this.#vault = vault;
  }

  setup(db: Database): void {
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS directory_index (
      doc_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, home_unit_id TEXT NOT NULL, status TEXT NOT NULL,
      key_id TEXT, document_hash TEXT, card_hash TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS directory_by_member ON directory_index (member_id);
      CREATE INDEX IF NOT EXISTS directory_by_document ON directory_index (document_hash);
      CREATE INDEX IF NOT EXISTS directory_by_card ON directory_index (card_hash);`);
    this.#upsert = db.prepare(`INSERT OR REPLACE INTO directory_index
      (doc_id, member_id, home_unit_id, status, key_id, document_hash, card_hash)
      VALUES (@doc_id, @member_id, @home_unit_id, @status, @key_id, @document_hash, @card_hash)`);
    this.#remove = db.prepare('DELETE FROM directory_index WHERE doc_id = ?');
  }

  apply(doc: AnyDoc): void {
    if (doc.type !== 'directory') return;
    const entry = doc as DirectoryDoc;
    if (entry.status === 'erased') {
      this.#remove.run(entry.id);
      if (this.#vault.hasKey(entry.memberId))
        this.#vault.destroy(entry.memberId, 'sync:hq', entry.erasedAt ?? new Date().toISOString());
      return;
    }
    // No plan of the member covers this unit any more: HQ took the sealed fields off; the key goes too.
    if (
      entry.pii.name === undefined &&
      entry.pii.document === undefined &&
      this.#vault.hasKey(entry.memberId)
    )
      this.#vault.forget(entry.memberId);
    this.#upsert.run({
      doc_id: entry.id,
      member_id: entry.memberId,
      home_unit_id: entry.homeUnitId,
      status: entry.status,
      key_id: entry.lookup.keyId ?? null,
      document_hash: entry.lookup.document ?? null,
      card_hash: entry.lookup.card ?? null,
    });
  }

  reset(): void {
    this.#db.exec('DELETE FROM directory_index');
  }
}

/** A member of another unit as this unit's check-in sees them (from the directory). */
export interface Visitor {
  readonly id: string;
  readonly homeUnitId: string;
  readonly status: 'active' | 'inactive' | 'erased';
  /** The name, only when a plan of the member lets them in here (HQ sends it sealed, with the key). */
  readonly name?: string;
  readonly memberships: readonly CheckInMembership[];
}

/** The state on `day` of a membership as the directory carries it: the unit's own rule. */
export function directoryMembershipState(
  id: string,
  m: DirectoryMembership,
  homeUnitId: string,
  day: string,
): CheckInMembership {
  // The home unit's rule (membershipState) reads the dates, status and freezes of the membership and the
  // grace days of its plan; the fields the directory does not carry (price, renewal) play no part in it.
  const midnight = `${m.startDate}T00:00:00.000Z`;
  const doc: MembershipDoc = {
    id: id as MembershipDoc['id'],
    type: 'membership',
    schemaVersion: 2,
    unitId: homeUnitId,
    createdAt: midnight,
    updatedAt: midnight,
    memberId: 'member:00000000000000000000000000' as MembershipDoc['memberId'],
    planId: m.planId,
    status: m.status,
    startDate: m.startDate,
    ...(m.endDate === undefined ? {} : { endDate: m.endDate }),
    ...(m.frozenUntil === undefined ? {} : { frozenUntil: m.frozenUntil }),
    priceCents: 0,
    autoRenew: false,
    freezes: Object.fromEntries(
      Object.entries(m.freezes ?? {}).map(([key, f]) => [key, { ...f, requestedAt: midnight }]),
    ),
  };
  const terms: PlanTerms = {
    kind: 'recurring',
    termMonths: 1,
    priceCents: 0,
    enrolmentFeeCents: 0,
    graceDays: m.graceDays,
    soldAt: 'all',
    access: m.access,
  };
  const open = m.unpaidSince === undefined ? [] : [{ dueDate: m.unpaidSince, amountCents: 1 }];
  return {
    id,
    planName: m.planName,
    status: membershipState(doc, terms, open, day),
    unitId: homeUnitId,
    access: m.access,
  };
}

/** The directory as the unit's check-in reads it. */
export class MemberDirectory {
  readonly #unit: UnitStore;
  readonly #lookupKey: () => Buffer | undefined;
  readonly #byDocument: Statement<[string], { member_id: string }>;
  readonly #byCard: Statement<[string], { member_id: string }>;
  readonly #byMember: Statement<[string], { doc_id: string }>;

  constructor(unit: UnitStore, lookupKey: () => Buffer | undefined) {
    this.#unit = unit;
    this.#lookupKey = lookupKey;
    this.#byDocument = unit.db.prepare(
      "SELECT member_id FROM directory_index WHERE document_hash = ? AND status != 'erased' LIMIT 2",
    );
    this.#byCard = unit.db.prepare(
      "SELECT member_id FROM directory_index WHERE card_hash = ? AND status != 'erased' LIMIT 2",
    );
    this.#byMember = unit.db.prepare('SELECT doc_id FROM directory_index WHERE member_id = ? LIMIT 1');
  }

  /** The member of another unit with this CPF (exactly one), if the directory has them. */
  findByDocument(document: string): string | undefined {
    const key = this.#lookupKey();
    if (key === undefined || digitsOnly(document).length !== 11) return undefined;
    const rows = this.#byDocument.all(directoryLookupHash(key, 'document', document));
    return rows.length === 1 ? rows[0]?.member_id : undefined;
  }

  /** The member of another unit with this member card (exactly one), if the directory has them. */
  findByCard(card: string): string | undefined {
    const key = this.#lookupKey();
    if (key === undefined || card.trim() === '') return undefined;
    const rows = this.#byCard.all(directoryLookupHash(key, 'card', card));
    return rows.length === 1 ? rows[0]?.member_id : undefined;
  }

  /** A member of another unit, with their memberships as of `day`; undefined if not in the directory. */
  visitor(memberId: string, day: string): Visitor | undefined {
    const row = this.#byMember.get(memberId);
    if (row === undefined) return undefined;
    const entry = this.#unit.store.get<'directory'>(row.doc_id);
    if (entry === undefined || entry.status === 'erased') return undefined;
    const name = this.#unit.vault.unseal(entry.memberId, 'name', entry.pii.name);
    return {
      id: entry.memberId,
      homeUnitId: entry.homeUnitId,
      status: entry.status,
      ...(name === undefined ? {} : { name }),
      memberships: Object.entries(entry.memberships).map(([id, m]) =>
        directoryMembershipState(id, m, entry.homeUnitId, day),
      ),
    };
  }
}

const directories = new WeakMap<UnitStore, MemberDirectory>();

/**
 * The unit's directory. Its look-up key comes from the unit's sync credentials (`sync.json` beside
 * `unit.db`), read when first needed and again after a change of the file (a re-enrolment).
 */
export function memberDirectoryOf(unit: UnitStore): MemberDirectory {
  const known = directories.get(unit);
  if (known !== undefined) return known;
  const path = join(dirname(unit.path), 'sync.json');
  let cached: { text: string; key: Buffer | undefined } | undefined;
  const lookupKey = (): Buffer | undefined => {
    if (!existsSync(path)) return undefined;
    const text = readFileSync(path, 'utf8');
    if (cached?.text === text) return cached.key;
    let key: Buffer | undefined;
    try {
      const link = (JSON.parse(text) as { linkKey?: unknown }).linkKey;
      key = typeof link === 'string' ? directoryLookupKey(Buffer.from(link, 'base64')) : undefined;
    } catch {
      key = undefined;
    }
    cached = { text, key };
    return key;
  };
  const directory = new MemberDirectory(unit, lookupKey);
  directories.set(unit, directory);
  return directory;
}
