import {
  type AnyDoc,
  type DirectoryDoc,
  type DirectoryMembership,
  type DocumentId,
  deterministicDocId,
  type MemberDoc,
  type MembershipDoc,
  type PaymentDoc,
  type PlanDoc,
} from '@gymedge/crdt-schema';
import {
  directoryKeyId,
  directoryLookupHash,
  directoryLookupKey,
} from '@gymedge/edge/src/services/member-directory.ts';
import { PiiVault } from '@gymedge/edge/src/store/pii-vault.ts';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { HqStore } from './relay/hq-store.ts';

/**
 * HQ's member directory (docs/sync.md, _What goes where_). For every member of the chain who holds a
 * membership, HQ writes one `directory` document per other unit of the chain, addressed to that unit
 * (`unitId`), so it travels down that unit's own stream and nowhere else:
 *
 * - a plan of the member with `access: all` → the full entry: look-up hashes, the sealed name and CPF
 *   (the member document's own bytes) and the memberships; the relay wraps the member's key for that
 *   unit with it (`directoryKeyIds`);
 * - only `home` plans → the look-up hashes and the memberships, no personal field and no key: the unit
 *   can tell the member "your plan is valid at your unit" (`wrong_unit`) instead of "unknown";
 * - the member erased (at the home unit, or at HQ) → every entry emptied, `status: erased`: each unit
 *   that applies it destroys its copy of the key.
 *
 * `DirectorySourceProjection` keeps, in the same transaction as every change HQ stores, which members
 * need their entries rebuilt (`dir_pending`) and where each entry went (`dir_entries`); the
 * `DirectoryBuilder` rebuilds them a few at a time in the background.
 */
export class DirectorySourceProjection implements Projection {
  readonly name = 'directory-source';
  readonly version = 2;
  readonly types = ['member', 'membership', 'payment', 'plan'] as const;
  readonly tables = ['dir_members', 'dir_memberships', 'dir_payments'] as const;
  #db!: Database;
  #sql!: {
    dirty: Statement<[string, number]>;
    dirtyOfPlan: Statement<[number, string]>;
    member: Statement<[string, string, number]>;
    membership: Statement<[string, string, string]>;
    payment: Statement<[string, string, string, string | null]>;
  };

  setup(db: Database): void {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS dir_members (
        member_id TEXT PRIMARY KEY, home_unit_id TEXT NOT NULL, erased INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dir_memberships (
        membership_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, plan_id TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS dir_memberships_by_member ON dir_memberships (member_id);
      CREATE INDEX IF NOT EXISTS dir_memberships_by_plan ON dir_memberships (plan_id);
      CREATE TABLE IF NOT EXISTS dir_payments (
        payment_id TEXT PRIMARY KEY, membership_id TEXT NOT NULL, member_id TEXT NOT NULL, pending_due TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS dir_payments_by_membership ON dir_payments (membership_id);
      CREATE TABLE IF NOT EXISTS dir_pending (
        member_id TEXT PRIMARY KEY, gen INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS dir_pending_by_at ON dir_pending (at);
    `);
    this.#sql = {
      // `at`: when last marked, so a burst of changes of one member (member, membership, payments) is
      // rebuilt once after it settles. A clock, not data: these marks are not a read model.
      dirty: db.prepare(`INSERT INTO dir_pending (member_id, gen, at) VALUES (?, 1, ?)
        ON CONFLICT (member_id) DO UPDATE SET gen = gen + 1, at = excluded.at`),
      dirtyOfPlan: db.prepare(`INSERT INTO dir_pending (member_id, gen, at)
        SELECT DISTINCT member_id, 1, ? FROM dir_memberships WHERE plan_id = ? ORDER BY member_id
        ON CONFLICT (member_id) DO UPDATE SET gen = gen + 1, at = excluded.at`),
      member: db.prepare(
        'INSERT OR REPLACE INTO dir_members (member_id, home_unit_id, erased) VALUES (?, ?, ?)',
      ),
      membership: db.prepare(
        'INSERT OR REPLACE INTO dir_memberships (membership_id, member_id, plan_id) VALUES (?, ?, ?)',
      ),
      payment: db.prepare(
        'INSERT OR REPLACE INTO dir_payments (payment_id, membership_id, member_id, pending_due) VALUES (?, ?, ?, ?)',
      ),
    };
  }

  apply(doc: AnyDoc): void {
    switch (doc.type) {
      case 'member': {
        const member = doc as MemberDoc;
        this.#sql.member.run(member.id, member.unitId, Number(member.status === 'erased'));
        this.#sql.dirty.run(member.id, Date.now());
        return;
      }
      case 'membership': {
        const m = doc as MembershipDoc;
        this.#sql.membership.run(m.id, m.memberId, m.planId);
        this.#sql.dirty.run(m.memberId, Date.now());
        return;
      }
      case 'payment': {
        const p = doc as PaymentDoc;
        if (p.membershipId === undefined) return;
        this.#sql.payment.run(
          p.id,
          p.membershipId,
          p.memberId,
          p.status === 'pending' ? (p.dueDate ?? null) : null,
        );
        this.#sql.dirty.run(p.memberId, Date.now());
        return;
      }
      case 'plan':
        this.#sql.dirtyOfPlan.run(Date.now(), doc.id);
        return;
      default:
        return;
    }
  }

  reset(): void {
    this.#db.exec('DELETE FROM dir_members; DELETE FROM dir_memberships; DELETE FROM dir_payments;');
  }
}

/**
 * Where HQ's builder sent each entry and whether it is full, written by the builder in the same
 * transaction as the entry, never read from the entry (a unit may write documents of its own `unitId`,
 * so the entry's content at HQ could be a unit's; which keys go where is HQ's own decision).
 */
const DIR_ENTRIES = `CREATE TABLE IF NOT EXISTS dir_entries (
    doc_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, unit_id TEXT NOT NULL, full INTEGER NOT NULL,
    erased INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS dir_entries_by_member ON dir_entries (member_id);`;

/**
 * The member ids whose keys go with these documents to a unit: a member document's own, and the member
 * of a full directory entry (never of an entry without personal fields, nor of an erased one). The
 * relay's downlink and repair wrap them with the unit's link key.
 */
export function directoryKeyIds(db: Database): (docIds: readonly string[]) => string[] {
  db.exec(DIR_ENTRIES);
  const full = db.prepare<[string], { member_id: string }>(
    'SELECT member_id FROM dir_entries WHERE doc_id = ? AND full = 1 AND erased = 0',
  );
  return (docIds) =>
    docIds.flatMap((id) => {
      if (!id.startsWith('directory:')) return [id];
      const row = full.get(id);
      return row === undefined ? [] : [row.member_id];
    });
}

export interface DirectoryBuilderOptions {
  readonly hq: HqStore;
  /** Every unit of the chain (the enrolled ones). */
  readonly units: () => readonly string[];
  /** The link key HQ shares with a unit (its look-up key derives from it). */
  readonly linkKeyOf: (unitId: string) => Uint8Array | undefined;
  /** HQ wrote directory entries: the relay sends them down. */
  readonly onWritten?: () => void;
  readonly logger: Logger;
  readonly everyMs?: number;
  /** Members rebuilt per pass. */
  readonly batch?: number;
  /** A member is rebuilt once no change of theirs arrived for this long (1 s by default). */
  readonly settleMs?: number;
  /** How often every member is looked at again (plans that lapsed); a day by default. */
  readonly sweepEveryMs?: number;
}

type Desired = Omit<DirectoryDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'>;

/** A patch that turns `current` into `desired` (keys `desired` lacks are removed), nested objects patched. */
function replacing(
  current: Record<string, unknown>,
  desired: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(current)) if (!(key in desired)) patch[key] = undefined;
  for (const [key, value] of Object.entries(desired)) {
    const now = current[key];
    const nested = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
    patch[key] = nested(value) && nested(now) ? replacing(now, value) : value;
  }
  return patch;
}

const ENVELOPE = new Set(['id', 'type', 'schemaVersion', 'unitId', 'createdAt', 'updatedAt']);

/** HQ's background builder of directory entries (see {@link DirectorySourceProjection}). */
export class DirectoryBuilder {
  readonly #o: DirectoryBuilderOptions;
  readonly #log: Logger;
  readonly #sql: {
    dirty: Statement<[number, number], { member_id: string; gen: number }>;
    done: Statement<[string, number]>;
    memberships: Statement<[string], { membership_id: string }>;
    unpaid: Statement<[string], { due: string | null }>;
    entries: Statement<[string], { doc_id: string; unit_id: string; erased: number }>;
    idle: Statement<[string, string, string], { n: number }>;
    markAll: Statement<[]>;
    keyIdOf: Statement<[string], { key_id: string }>;
    entry: Statement<[string, string, string, number, number]>;
    saveKeyId: Statement<[string, string]>;
  };
  #timer: NodeJS.Timeout | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #closing = false;
  #erasedInPass = false;
  #stopped = true;

  constructor(options: DirectoryBuilderOptions) {
    this.#o = options;
    this.#log = options.logger.child({ module: 'directory' });
    const db = options.hq.db;
    // Which look-up key each unit's entries were made with (HQ's own state, not a read model).
    db.exec(
      'CREATE TABLE IF NOT EXISTS dir_units (unit_id TEXT PRIMARY KEY, key_id TEXT NOT NULL) WITHOUT ROWID',
    );
    db.exec(DIR_ENTRIES);
    this.#sql = {
      dirty: db.prepare('SELECT member_id, gen FROM dir_pending WHERE at <= ? ORDER BY at LIMIT ?'),
      done: db.prepare('DELETE FROM dir_pending WHERE member_id = ? AND gen = ?'),
      memberships: db.prepare('SELECT membership_id FROM dir_memberships WHERE member_id = ? ORDER BY 1'),
      unpaid: db.prepare(
        'SELECT min(pending_due) AS due FROM dir_payments WHERE membership_id = ? AND pending_due IS NOT NULL',
      ),
      entries: db.prepare('SELECT doc_id, unit_id, erased FROM dir_entries WHERE member_id = ?'),
      // Nothing to do for a member (not erased) without memberships nor entries: known without loading it.
      idle: db.prepare(`SELECT (SELECT count(*) FROM dir_members WHERE member_id = ? AND erased = 0)
        AND NOT EXISTS (SELECT 1 FROM dir_memberships WHERE member_id = ?)
        AND NOT EXISTS (SELECT 1 FROM dir_entries WHERE member_id = ?) AS n`),
      keyIdOf: db.prepare('SELECT key_id FROM dir_units WHERE unit_id = ?'),
      entry: db.prepare(
        'INSERT OR REPLACE INTO dir_entries (doc_id, member_id, unit_id, full, erased) VALUES (?, ?, ?, ?, ?)',
      ),
      saveKeyId: db.prepare('INSERT OR REPLACE INTO dir_units (unit_id, key_id) VALUES (?, ?)'),
      markAll:
        db.prepare(`INSERT INTO dir_pending (member_id, gen, at) SELECT DISTINCT member_id, 1, 0 FROM dir_memberships
        WHERE true ON CONFLICT (member_id) DO UPDATE SET gen = gen + 1, at = 0`),
    };
  }

  /** Starts the background passes (every `everyMs`, 250 ms by default) and the daily sweep. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    // Once a day every member again: a plan that lapsed without any change still stops the personal fields.
    this.#sweep = setInterval(() => this.#sql.markAll.run(), this.#o.sweepEveryMs ?? 86_400_000);
    this.#sweep.unref();
    // The relay's ingest comes first: the next pass waits three times as long as the last one took (at
    // most 2 s), so the builder takes about a quarter of HQ's time during a burst.
    const next = (after: number) => {
      if (this.#closing) return;
      this.#timer = setTimeout(() => {
        const started = Date.now();
        this.#running = this.pass()
          .catch((error: unknown) => this.#log.error({ err: error }, 'directory pass failed'))
          .finally(() => {
            this.#running = undefined;
            next(Math.min(2000, Math.max(this.#o.everyMs ?? 250, 3 * (Date.now() - started))));
          });
      }, after);
      this.#timer.unref();
    };
    next(this.#o.everyMs ?? 250);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    await this.#running;
  }

  /** One pass: units enrolled (or enrolled again) since the last pass, then up to `batch` members. Returns how many were rebuilt. */
  async pass(): Promise<number> {
    this.#checkUnits();
    const dirty = this.#sql.dirty.all(Date.now() - (this.#o.settleMs ?? 1000), this.#o.batch ?? 100);
    if (dirty.length === 0) return 0;
    // A vault per pass: it caches keys, and a key destroyed by an erasure must not outlive the pass.
    const vault = new PiiVault(this.#o.hq.db);
    let wrote = 0;
    // Every member's writes are queued in this turn (one group commit for the pass); a member is done
    // once its own writes are durable.
    await Promise.all(
      dirty.map(async ({ member_id: memberId, gen }) => {
        try {
          wrote += await this.#build(memberId, vault);
          this.#sql.done.run(memberId, gen);
        } catch (error) {
          this.#log.error({ err: error, memberId }, 'could not rebuild the directory entries of a member');
        }
      }),
    );
    if (wrote > 0) this.#o.onWritten?.();
    if (this.#erasedInPass) {
      this.#erasedInPass = false;
      // An erasure reached HQ: its read model's rows are gone (secure_delete zeroes them), and the WAL,
      // which still holds pages from before, is copied back and cut to nothing (docs/privacy.md).
      await this.#o.hq.store.flush();
      this.#o.hq.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return dirty.length;
  }

  /** A new unit, or a unit enrolled again (a new link key, so new look-up hashes): every member again. */
  #checkUnits(): void {
    for (const unit of this.#o.units()) {
      const key = this.#o.linkKeyOf(unit);
      if (key === undefined) continue;
      const id = directoryKeyId(directoryLookupKey(key));
      if (this.#sql.keyIdOf.get(unit)?.key_id === id) continue;
      this.#o.hq.db.transaction(() => {
        this.#sql.markAll.run();
        this.#sql.saveKeyId.run(unit, id);
      })();
    }
  }

  /** Queues the writes of one member's entries (synchronously) and resolves with how many changed. */
  #build(memberId: string, vault: PiiVault): Promise<number> {
    const writes: Promise<number>[] = [];
    const done = () => Promise.all(writes).then((n) => n.reduce((a, b) => a + b, 0));
    if (this.#sql.idle.get(memberId, memberId, memberId)?.n === 1) return done();
    const store = this.#o.hq.store;
    const member = store.get<'member'>(memberId);
    if (member === undefined) return done();
    const home = member.unitId;
    const existing = this.#sql.entries.all(memberId);
    if (member.status === 'erased') {
      this.#erasedInPass = true;
      for (const entry of existing) {
        if (entry.erased === 1) continue;
        writes.push(
          this.#write(entry.doc_id, entry.unit_id, {
            memberId: member.id,
            homeUnitId: home,
            status: 'erased',
            lookup: {},
            pii: {},
            memberships: {},
            erasedAt: member.erasedAt ?? new Date().toISOString(),
          }),
        );
      }
      return done();
    }
    const memberships: Record<string, DirectoryMembership> = {};
    for (const { membership_id: id } of this.#sql.memberships.all(memberId)) {
      const m = store.get<'membership'>(id);
      if (m === undefined) continue;
      const plan: PlanDoc | undefined = store.get<'plan'>(m.planId);
      const unpaid = this.#sql.unpaid.get(id)?.due ?? undefined;
      const freezes = Object.entries(m.freezes ?? {}).map(([k, f]) => [k, { from: f.from, until: f.until }]);
      memberships[id] = {
        planId: m.planId,
        planName: plan?.name ?? 'Plano',
        access: plan?.access ?? 'home',
        status: m.status,
        startDate: m.startDate,
        ...(m.endDate === undefined ? {} : { endDate: m.endDate }),
        ...(m.frozenUntil === undefined ? {} : { frozenUntil: m.frozenUntil }),
        ...(freezes.length === 0 ? {} : { freezes: Object.fromEntries(freezes) }),
        ...(unpaid === undefined ? {} : { unpaidSince: unpaid }),
        graceDays: plan?.graceDays ?? 5,
      };
    }
    if (Object.keys(memberships).length === 0 && existing.length === 0) return done();
    // Personal fields (and the key) go only while a plan that covers the chain runs; a day of margin for
    // the units' zones. A plan that lapses is seen at the member's next change or the daily sweep.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const full = Object.values(memberships).some(
      (m) =>
        m.access === 'all' &&
        m.status !== 'expired' &&
        !(m.status === 'cancelled' && m.endDate === undefined) &&
        (m.endDate === undefined || m.endDate >= yesterday),
    );
    const document = vault.unseal(member.id, 'document', member.pii.document);
    const card = vault.unseal(member.id, 'externalRef', member.pii.externalRef);
    for (const unit of this.#o.units()) {
      if (unit === home) continue;
      const linkKey = this.#o.linkKeyOf(unit);
      if (linkKey === undefined) continue;
      const lookupKey = directoryLookupKey(linkKey);
      const desired: Desired = {
        memberId: member.id,
        homeUnitId: home,
        status: member.status,
        lookup: {
          keyId: directoryKeyId(lookupKey),
          ...(document === undefined
            ? {}
            : { document: directoryLookupHash(lookupKey, 'document', document) }),
          ...(card === undefined ? {} : { card: directoryLookupHash(lookupKey, 'card', card) }),
        },
        pii: full
          ? {
              ...(member.pii.name === undefined ? {} : { name: member.pii.name }),
              ...(member.pii.document === undefined ? {} : { document: member.pii.document }),
            }
          : {},
        memberships,
      };
      writes.push(this.#write(deterministicDocId('directory', member.id, unit), unit, desired));
    }
    return done();
  }

  /** Queues the write of one entry (the store applies it in call order); resolves 1 if it changed. */
  #write(id: string, unit: string, desired: Desired): Promise<number> {
    const store = this.#o.hq.store;
    const full = Number(desired.pii.name !== undefined || desired.pii.document !== undefined);
    const erased = Number(desired.status === 'erased');
    const also = () => {
      this.#sql.entry.run(id, desired.memberId, unit, full, erased);
    };
    const current = store.get<'directory'>(id);
    if (current === undefined)
      return store
        .create('directory', desired, { id: id as DocumentId<'directory'>, unitId: unit, also })
        .then(() => 1);
    const content = Object.fromEntries(Object.entries(current).filter(([k]) => !ENVELOPE.has(k)));
    return store
      .update<'directory'>(
        id,
        replacing(content, desired as unknown as Record<string, unknown>) as Parameters<
          typeof store.update<'directory'>
        >[1],
        { also },
      )
      .then(({ changed }) => {
        if (!changed) also();
        return changed ? 1 : 0;
      });
  }
}
