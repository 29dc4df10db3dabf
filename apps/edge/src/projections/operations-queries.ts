import type { Database, Statement } from 'better-sqlite3';
import { zonedToUtc } from '../domain/time.ts';

export interface ActiveMembershipRow {
  doc_id: string;
  member_id: string;
  plan_id: string;
  plan_name: string | null;
  status: string;
  start_date: string;
  end_date: string | null;
  price_cents: number;
}

export interface ClassSessionRow {
  doc_id: string;
  class_type_id: string;
  title: string;
  starts_at: string;
  ends_at: string;
  room: string | null;
  capacity: number;
  booked: number;
  waitlisted: number;
  status: string;
}

/** Front-desk questions answered from the read models: who may enter today, what classes run today. */
export class OperationsQueries {
  readonly #active: Statement<[{ member: string; day: string }], ActiveMembershipRow>;
  readonly #activeCount: Statement<[{ day: string }], { n: number }>;
  readonly #sessions: Statement<[string, string], ClassSessionRow>;

  constructor(db: Database) {
    const active = `FROM membership_index m LEFT JOIN plan_index p ON p.doc_id = m.plan_id
      WHERE m.start_date <= @day AND (m.end_date IS NULL OR m.end_date >= @day)
        AND (m.status = 'active' OR (m.status IN ('cancelled', 'expired') AND m.end_date IS NOT NULL))`;
    this.#active = db.prepare(
      `SELECT m.*, p.name AS plan_name ${active} AND m.member_id = @member ORDER BY m.start_date`,
    );
    this.#activeCount = db.prepare(`SELECT count(DISTINCT m.member_id) AS n ${active}`);
    this.#sessions = db.prepare(
      'SELECT * FROM class_session_index WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, title',
    );
  }

  /**
   * The member's memberships that cover `day` (local date): what the desk checks at entry. A
   * cancelled or expired membership still covered the days up to its end date; a frozen one covers
   * nothing while frozen.
   */
  activeMemberships(memberId: string, day: string): ActiveMembershipRow[] {
    return this.#active.all({ member: memberId, day });
  }

  /** How many members hold an active membership on `day`. */
  activeMembers(day: string): number {
    return this.#activeCount.get({ day })?.n ?? 0;
  }

  /** Class sessions starting on a local date in the unit's zone, in start order. */
  classesOn(day: string, timeZone: string): ClassSessionRow[] {
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return this.#sessions.all(zonedToUtc(day, '00:00', timeZone), zonedToUtc(next, '00:00', timeZone));
  }
}
