import { createHmac, randomBytes } from 'node:crypto';
import type { AnyDoc, Gender, MemberDoc, PiiField } from '@gymedge/crdt-schema';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import { foldText } from '../domain/text.ts';
import type { PiiVault } from '../store/pii-vault.ts';

/** One row of the member read model (personal fields in clear: this table never leaves the unit). */
export interface MemberRow {
  doc_id: string;
  unit_id: string;
  status: 'active' | 'inactive' | 'erased';
  name: string | null;
  name_key: string;
  email: string | null;
  phone: string | null;
  document: string | null;
  birth_date: string | null;
  gender: Gender | null;
  age: number | null;
  external_ref: string | null;
  signup_date: string | null;
  region: string | null;
  churned: number | null;
  consent_marketing: number;
  consent_image: number;
  created_at: string;
  updated_at: string;
}

/** Personal fields that must be unique at a unit or found by exact value: indexed by keyed hash. */
export const BLIND_FIELDS = ['document', 'email', 'externalRef'] as const;
export type BlindField = (typeof BLIND_FIELDS)[number];

/**
 * Keyed hashes (HMAC-SHA256 under a random key of this unit, kept in `meta`) of personal values, so a
 * CPF, e-mail or the chain's customer id can be found by exact value and checked for uniqueness without
 * another copy of the clear value. Without the key, the hashes cannot be tested against a list of CPFs.
 */
export class BlindIndex {
  readonly #db: Database;
  #key: Buffer | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  #secret(): Buffer {
    if (this.#key !== undefined) return this.#key;
    const read = () =>
      this.#db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'blind_index_key'").get()
        ?.value;
    let value = read();
    if (value === undefined) {
      this.#db
        .prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('blind_index_key', ?)")
        .run(randomBytes(32).toString('base64'));
      value = read();
    }
    if (value === undefined) throw new Error('the blind index key could not be stored');
    this.#key = Buffer.from(value, 'base64');
    return this.#key;
  }

  /** The hash of one field's value, normalised the way the field is compared (case-folded, trimmed). */
  hash(field: BlindField, value: string): string {
    const normal = field === 'email' ? value.trim().toLowerCase() : value.trim().toUpperCase();
    return createHmac('sha256', this.#secret())
      .update(`${field}\0${normal}`)
      .digest('base64url')
      .slice(0, 32);
  }
}

/**
 * `member_index` (one row per member, personal fields unsealed) and `member_fts` (FTS5 over the
 * folded name, accent- and case-insensitive, prefix search). Erased members keep a row without any
 * personal field, so payments and visits still add up.
 */
export class MemberProjection implements Projection {
  readonly name = 'members';
  /** 2: `member_blind`, the keyed hashes of CPF, e-mail and customer id. */
  readonly version = 2;
  readonly types = ['member'] as const;
  readonly #vault: PiiVault;
  #db!: Database;
  #blind!: BlindIndex;
  #blindDelete!: Statement<[string]>;
  #blindInsert!: Statement<[string, string, string]>;
  #upsert!: Statement<[Record<string, unknown>], { rowid: number }>;
  #ftsDelete!: Statement<[number]>;
  #ftsInsert!: Statement<[number, string]>;

  constructor(vault: PiiVault) {
    this.#vault = vault;
  }

  setup(db: Database): void {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS member_index (
        rowid INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        unit_id TEXT NOT NULL,
        status TEXT NOT NULL,
        name TEXT,
        name_key TEXT NOT NULL,
        email TEXT,
        phone TEXT,
        phone_digits TEXT,
        phone_rev TEXT,
        document TEXT,
        birth_date TEXT,
        gender TEXT,
        age INTEGER,
        external_ref TEXT,
        signup_date TEXT,
        region TEXT,
        churned INTEGER,
        consent_marketing INTEGER NOT NULL,
        consent_image INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS member_by_name ON member_index (status, name_key, doc_id);
      CREATE INDEX IF NOT EXISTS member_by_name_all ON member_index (name_key, doc_id);
      CREATE INDEX IF NOT EXISTS member_by_document ON member_index (document) WHERE document IS NOT NULL;
      CREATE INDEX IF NOT EXISTS member_by_phone ON member_index (phone_digits) WHERE phone_digits IS NOT NULL;
      CREATE INDEX IF NOT EXISTS member_by_phone_rev ON member_index (phone_rev) WHERE phone_rev IS NOT NULL;
      CREATE INDEX IF NOT EXISTS member_by_email ON member_index (email) WHERE email IS NOT NULL;
      CREATE INDEX IF NOT EXISTS member_by_external ON member_index (external_ref) WHERE external_ref IS NOT NULL;
      CREATE VIRTUAL TABLE IF NOT EXISTS member_fts USING fts5 (name_key, tokenize = 'unicode61 remove_diacritics 2');
      CREATE TABLE IF NOT EXISTS member_blind (
        field TEXT NOT NULL, hash TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (field, hash, doc_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS member_blind_by_doc ON member_blind (doc_id);
    `);
    this.#blind = new BlindIndex(db);
    this.#blindDelete = db.prepare('DELETE FROM member_blind WHERE doc_id = ?');
    this.#blindInsert = db.prepare(
      'INSERT OR IGNORE INTO member_blind (field, hash, doc_id) VALUES (?, ?, ?)',
    );
    // Without this, FTS5 keeps deleted terms in its index until a merge: an erased member's name words would linger.
    db.prepare("INSERT INTO member_fts (member_fts, rank) VALUES ('secure-delete', 1)").run();
    this.#upsert =
      db.prepare(`INSERT INTO member_index (doc_id, unit_id, status, name, name_key, email, phone, phone_digits,
        phone_rev, document, birth_date, gender, age, external_ref, signup_date, region, churned, consent_marketing,
        consent_image, created_at, updated_at)
      VALUES (@doc_id, @unit_id, @status, @name, @name_key, @email, @phone, @phone_digits, @phone_rev, @document,
        @birth_date, @gender, @age, @external_ref, @signup_date, @region, @churned, @consent_marketing, @consent_image,
        @created_at, @updated_at)
      ON CONFLICT (doc_id) DO UPDATE SET unit_id = excluded.unit_id, status = excluded.status, name = excluded.name,
        name_key = excluded.name_key, email = excluded.email, phone = excluded.phone, phone_digits = excluded.phone_digits,
        phone_rev = excluded.phone_rev, document = excluded.document, birth_date = excluded.birth_date,
        gender = excluded.gender, age = excluded.age, external_ref = excluded.external_ref,
        signup_date = excluded.signup_date, region = excluded.region, churned = excluded.churned,
        consent_marketing = excluded.consent_marketing, consent_image = excluded.consent_image,
        updated_at = excluded.updated_at
      RETURNING rowid`);
    this.#ftsDelete = db.prepare('DELETE FROM member_fts WHERE rowid = ?');
    this.#ftsInsert = db.prepare('INSERT INTO member_fts (rowid, name_key) VALUES (?, ?)');
  }

  apply(doc: AnyDoc): void {
    if (doc.type !== 'member') return;
    const member = doc as MemberDoc;
    const open = (field: PiiField) =>
      member.status === 'erased' ? undefined : this.#vault.unseal(member.id, field, member.pii[field]);
    const name = open('name');
    const phone = open('phone');
    const phoneDigits = phone?.replace(/^\+55/, '');
    const externalRef = open('externalRef');
    const age = open('age');
    this.#blindDelete.run(member.id);
    for (const field of BLIND_FIELDS) {
      const value = field === 'externalRef' ? externalRef : open(field);
      if (value !== undefined) this.#blindInsert.run(field, this.#blind.hash(field, value), member.id);
    }
    const row = this.#upsert.get({
      doc_id: member.id,
      unit_id: member.unitId,
      status: member.status,
      name: name ?? null,
      name_key: name !== undefined ? foldText(name) : `~${externalRef ?? member.id}`,
      email: open('email') ?? null,
      phone: phone ?? null,
      phone_digits: phoneDigits ?? null,
      phone_rev: phoneDigits === undefined ? null : [...phoneDigits].reverse().join(''),
      document: open('document') ?? null,
      birth_date: open('birthDate') ?? null,
      gender: open('gender') ?? null,
      age: age === undefined ? null : Number(age),
      external_ref: externalRef ?? null,
      signup_date: member.signupDate ?? null,
      region: member.region ?? null,
      churned: member.churned === undefined ? null : Number(member.churned),
      consent_marketing: Number(member.consent.marketing),
      consent_image: Number(member.consent.imageAnalytics),
      created_at: member.createdAt,
      updated_at: member.updatedAt,
    });
    const rowid = row?.rowid;
    if (rowid === undefined) return;
    this.#ftsDelete.run(rowid);
    if (name !== undefined) this.#ftsInsert.run(rowid, foldText(name));
  }

  reset(): void {
    this.#db.exec('DELETE FROM member_index; DELETE FROM member_fts; DELETE FROM member_blind;');
  }
}
