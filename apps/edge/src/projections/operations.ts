import type { AnyDoc, ClassSessionDoc, MembershipDoc, PaymentDoc, PlanDoc } from '@gymedge/crdt-schema';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import { seatHolders, waitingLine } from '../domain/bookings.ts';

/**
 * Read models of the front desk: plans, memberships (who is active today), payments, class
 * sessions with their booking counts (today's classes), and each member's places in classes
 * (`class_place_index`: a seat or a place in the waiting line, keyed by member and start time, so the
 * check-in greeting and a member's week read one index range instead of loading session documents).
 * Check-ins are not documents: see CheckinLog.
 */
export class OperationsProjection implements Projection {
  readonly name = 'operations';
  // 2: class_place_index.
  readonly version = 2;
  readonly types = ['plan', 'membership', 'payment', 'classSession'] as const;
  #db!: Database;
  #plan!: Statement<Record<string, unknown>>;
  #membership!: Statement<Record<string, unknown>>;
  #payment!: Statement<Record<string, unknown>>;
  #session!: Statement<Record<string, unknown>>;
  #clearPlaces!: Statement<[string]>;
  #place!: Statement<Record<string, unknown>>;

  setup(db: Database): void {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS plan_index (doc_id TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL,
        billing_period TEXT NOT NULL, access TEXT NOT NULL, class_credits INTEGER, active INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS membership_index (doc_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, plan_id TEXT NOT NULL,
        status TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT, price_cents INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS membership_by_member ON membership_index (member_id);
      CREATE INDEX IF NOT EXISTS membership_active ON membership_index (status, end_date);
      CREATE TABLE IF NOT EXISTS payment_index (doc_id TEXT PRIMARY KEY, member_id TEXT NOT NULL, membership_id TEXT,
        amount_cents INTEGER NOT NULL, service TEXT NOT NULL, method TEXT, status TEXT NOT NULL, due_date TEXT,
        paid_at TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS payment_by_member ON payment_index (member_id, paid_at);
      CREATE INDEX IF NOT EXISTS payment_by_time ON payment_index (paid_at);
      CREATE TABLE IF NOT EXISTS class_session_index (doc_id TEXT PRIMARY KEY, class_type_id TEXT NOT NULL,
        title TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, room TEXT, capacity INTEGER NOT NULL,
        booked INTEGER NOT NULL, waitlisted INTEGER NOT NULL, status TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS class_session_by_time ON class_session_index (starts_at);
      CREATE TABLE IF NOT EXISTS class_place_index (member_id TEXT NOT NULL, starts_at TEXT NOT NULL,
        session_id TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('booked', 'waitlisted')),
        position INTEGER, promoted INTEGER NOT NULL, PRIMARY KEY (member_id, starts_at, session_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS class_place_by_session ON class_place_index (session_id);
    `);
    this.#plan =
      db.prepare(`INSERT OR REPLACE INTO plan_index VALUES (@doc_id, @name, @price_cents, @billing_period,
      @access, @class_credits, @active)`);
    this.#membership =
      db.prepare(`INSERT OR REPLACE INTO membership_index VALUES (@doc_id, @member_id, @plan_id,
      @status, @start_date, @end_date, @price_cents)`);
    this.#payment =
      db.prepare(`INSERT OR REPLACE INTO payment_index VALUES (@doc_id, @member_id, @membership_id,
      @amount_cents, @service, @method, @status, @due_date, @paid_at)`);
    this.#session =
      db.prepare(`INSERT OR REPLACE INTO class_session_index VALUES (@doc_id, @class_type_id, @title,
      @starts_at, @ends_at, @room, @capacity, @booked, @waitlisted, @status)`);
    this.#clearPlaces = db.prepare('DELETE FROM class_place_index WHERE session_id = ?');
    this.#place = db.prepare(`INSERT OR REPLACE INTO class_place_index VALUES (@member_id, @starts_at,
      @session_id, @status, @position, @promoted)`);
  }

  apply(doc: AnyDoc): void {
    switch (doc.type) {
      case 'plan':
        this.#applyPlan(doc as PlanDoc);
        return;
      case 'membership':
        this.#applyMembership(doc as MembershipDoc);
        return;
      case 'payment':
        this.#applyPayment(doc as PaymentDoc);
        return;
      case 'classSession':
        this.#applySession(doc as ClassSessionDoc);
        return;
      default:
        return;
    }
  }

  reset(): void {
    this.#db.exec(`DELETE FROM plan_index; DELETE FROM membership_index; DELETE FROM payment_index;
      DELETE FROM class_session_index; DELETE FROM class_place_index;`);
  }

  #applyPlan(plan: PlanDoc): void {
    this.#plan.run({
      doc_id: plan.id,
      name: plan.name,
      price_cents: plan.priceCents,
      billing_period: plan.billingPeriod,
      access: plan.access,
      class_credits: plan.classCredits ?? null,
      active: Number(plan.active),
    });
  }

  #applyMembership(m: MembershipDoc): void {
    this.#membership.run({
      doc_id: m.id,
      member_id: m.memberId,
      plan_id: m.planId,
      status: m.status,
      start_date: m.startDate,
      end_date: m.endDate ?? null,
      price_cents: m.priceCents,
    });
  }

  #applyPayment(p: PaymentDoc): void {
    this.#payment.run({
      doc_id: p.id,
      member_id: p.memberId,
      membership_id: p.membershipId ?? null,
      amount_cents: p.amountCents,
      service: p.service,
      method: p.method ?? null,
      status: p.status,
      due_date: p.dueDate ?? null,
      paid_at: p.paidAt ?? null,
    });
  }

  #applySession(s: ClassSessionDoc): void {
    const bookings = Object.values(s.bookings);
    this.#session.run({
      doc_id: s.id,
      class_type_id: s.classTypeId,
      title: s.title,
      starts_at: s.startsAt,
      ends_at: s.endsAt,
      room: s.room ?? null,
      capacity: s.capacity,
      booked: bookings.filter((b) => b.status !== 'cancelled').length,
      waitlisted: Object.values(s.waitlist).filter((w) => w.status === 'waiting').length,
      status: s.status,
    });
    // The members' places, as the domain reads them (bookingOf, waitlistPosition): rewritten whole on
    // every change of the session (a class holds tens of places).
    this.#clearPlaces.run(s.id);
    for (const seat of seatHolders(s))
      this.#place.run({
        member_id: seat.memberId,
        starts_at: s.startsAt,
        session_id: s.id,
        status: 'booked',
        position: null,
        promoted: Number(s.waitlist[seat.key]?.status === 'promoted'),
      });
    for (const [index, entry] of waitingLine(s).entries())
      this.#place.run({
        member_id: entry.memberId,
        starts_at: s.startsAt,
        session_id: s.id,
        status: 'waitlisted',
        position: index + 1,
        promoted: 0,
      });
  }
}
