import { CheckInRecord, describeIssues } from '@gymedge/crdt-schema';
import type { Database, Statement } from 'better-sqlite3';

export interface RecordResult {
  readonly inserted: number;
  /** Records whose id was already stored (a retry or a re-import): stored once. */
  readonly duplicates: number;
  /** Records that broke the schema, with their position in the input and the reason. */
  readonly rejected: ReadonlyArray<{ index: number; reason: string }>;
}

/**
 * The unit's check-ins: append-only rows with idempotent ids (see CheckInRecord for why they are
 * not CRDT documents). Valid records of one call commit in one transaction.
 */
export class CheckinLog {
  readonly #db: Database;
  readonly #insert: Statement<Record<string, unknown>>;
  readonly #forMember: Statement<[string, number], CheckinRow>;
  readonly #countOn: Statement<[string], { n: number }>;

  constructor(db: Database) {
    this.#db = db;
    this.#insert =
      db.prepare(`INSERT OR IGNORE INTO checkins (id, unit_id, member_id, at, local_date, method, home_unit_id,
      membership_id, denied, staff_id) VALUES (@id, @unitId, @memberId, @at, @localDate, @method, @homeUnitId, @membershipId,
      @denied, @staffId)`);
    this.#forMember = db.prepare('SELECT * FROM checkins WHERE member_id = ? ORDER BY at DESC LIMIT ?');
    this.#countOn = db.prepare('SELECT count(*) AS n FROM checkins WHERE local_date = ? AND denied IS NULL');
  }

  record(records: readonly unknown[]): RecordResult {
    const rejected: Array<{ index: number; reason: string }> = [];
    const valid: CheckInRecord[] = [];
    records.forEach((record, index) => {
      const parsed = CheckInRecord.safeParse(record);
      if (parsed.success) valid.push(parsed.data);
      else rejected.push({ index, reason: describeIssues(parsed.error.issues) });
    });
    let inserted = 0;
    this.#db.transaction(() => {
      for (const r of valid) {
        inserted += this.#insert.run({
          id: r.id,
          unitId: r.unitId,
          memberId: r.memberId,
          at: r.at,
          localDate: r.localDate,
          method: r.method,
          homeUnitId: r.homeUnitId ?? null,
          membershipId: r.membershipId ?? null,
          denied: r.denied ?? null,
          staffId: r.staffId ?? null,
        }).changes;
      }
    })();
    return { inserted, duplicates: valid.length - inserted, rejected };
  }

  forMember(memberId: string, limit = 50): CheckinRow[] {
    return this.#forMember.all(memberId, limit);
  }

  /** Admitted check-ins on a local date. */
  countOn(localDate: string): number {
    return this.#countOn.get(localDate)?.n ?? 0;
  }
}

export interface CheckinRow {
  id: string;
  unit_id: string;
  member_id: string;
  at: string;
  local_date: string;
  method: string;
  home_unit_id: string | null;
  membership_id: string | null;
  denied: string | null;
  staff_id: string | null;
  shipped_at: string | null;
}
