import type { ClassSessionDoc, DocumentId, MembershipDoc } from '@gymedge/crdt-schema';
import type { Statement } from 'better-sqlite3';
import {
  attendancePatch,
  type BookingSource,
  decideBook,
  decideCancel,
  seatsLeft,
  waitingLine,
} from '../domain/bookings.ts';
import { bookingWindow } from '../domain/classes.ts';
import { creditsLeft } from '../domain/memberships.ts';
import type { BookingOutcome, CancelOutcome, SessionSummary } from '../domain/operations-types.ts';
import { localDate } from '../domain/time.ts';
import type { Actor } from './contracts.ts';
import { NotFoundError } from './contracts.ts';
import type { MembershipOps } from './membership-ops.ts';
import { entryKey, type OperationsContext } from './operations-context.ts';

export type { BookingOutcome, CancelOutcome, SessionSummary } from '../domain/operations-types.ts';

/** Input of {@link BookingService.book}. */
export interface BookInput {
  readonly memberId: string;
  readonly sessionId: string;
  readonly actor: Actor;
  /** Where the request came from (kiosk, staff, assistant...); default from the actor's role. */
  readonly source?: BookingSource;
  /** Join the waiting line when full (default true). */
  readonly waitlist?: boolean;
}

interface SessionRow {
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

/**
 * Booking classes: book, cancel, waiting line with promotion, attendance. The assistant and the
 * screens call the same methods.
 *
 * **One seat, one member.** A class session is one document. Each request reads it, decides
 * ({@link decideBook}) and hands the patch to the store in the same synchronous step: the store
 * applies patches to its in-memory document in call order before the group commit makes them durable,
 * so N concurrent requests are decided one after another on the latest state, and exactly as many get
 * a seat as there were seats. The credit is written to the membership in that same step.
 */
export class BookingService {
  readonly #ctx: OperationsContext;
  readonly #memberships: MembershipOps;
  readonly #range: Statement<[string, string], SessionRow>;
  readonly #places: Statement<[string, string, string], PlaceRow>;
  readonly #upcoming: Statement<[string, string, string, number], SessionRow & { promoted: number }>;

  constructor(ctx: OperationsContext, memberships: MembershipOps) {
    this.#ctx = ctx;
    this.#memberships = memberships;
    this.#range = ctx.unit.db.prepare(
      'SELECT * FROM class_session_index WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, title LIMIT 1000',
    );
    // A member's places come from class_place_index (projections/operations.ts): one index range.
    this.#places = ctx.unit.db.prepare(
      `SELECT session_id, status, position, promoted FROM class_place_index
        WHERE member_id = ? AND starts_at >= ? AND starts_at < ?`,
    );
    this.#upcoming = ctx.unit.db.prepare(
      `SELECT s.*, p.promoted FROM class_place_index p JOIN class_session_index s ON s.doc_id = p.session_id
        WHERE p.member_id = ? AND p.status = 'booked' AND p.starts_at >= ? AND p.starts_at < ? AND s.status = 'scheduled'
        ORDER BY p.starts_at, s.title LIMIT ?`,
    );
  }

  #session(id: string): ClassSessionDoc {
    const session = this.#ctx.unit.store.get<'classSession'>(id);
    if (!session) throw new NotFoundError(`There is no class session ${id}.`);
    return session;
  }

  /** The membership that pays for a seat in `session`, if any: covering its day, valid here, with a credit. */
  #payer(
    memberId: string,
    session: ClassSessionDoc,
  ): { membership: MembershipDoc; credit: boolean } | 'no_credits' | undefined {
    const day = localDate(session.startsAt, session.timeZone);
    let outOfCredits = false;
    for (const m of this.#memberships.documentsOf(memberId)) {
      const view = this.#memberships.view(m);
      if (!view.status.mayEnter && view.status.state !== 'not_started') continue;
      if (day < m.startDate || (m.endDate !== undefined && day > m.endDate)) continue;
      if (view.access === 'home' && m.unitId !== this.#ctx.unitId) continue;
      const left = creditsLeft(m, this.#memberships.termsOf(m), day);
      if (left === undefined) return { membership: m, credit: false };
      if (left > 0) return { membership: m, credit: true };
      outOfCredits = true;
    }
    return outOfCredits ? 'no_credits' : undefined;
  }

  /**
   * Books `memberId` into `sessionId`: a seat while one is free, else the waiting line. Refusals name
   * the reason (`no_active_plan`, `no_credits`, `already_booked`, `not_open_yet`, ...).
   */
  async book(input: BookInput): Promise<BookingOutcome> {
    const store = this.#ctx.unit.store;
    const session = this.#session(input.sessionId);
    const member = this.#ctx.unit.members.get(input.memberId);
    if (member?.status !== 'active')
      return {
        status: 'refused',
        sessionId: session.id,
        reason: 'no_active_plan',
        detail: 'This member is not active.',
      };
    const payer = this.#payer(input.memberId, session);
    if (payer === undefined || payer === 'no_credits') {
      const reason = payer === 'no_credits' ? 'no_credits' : 'no_active_plan';
      return {
        status: 'refused',
        sessionId: session.id,
        reason,
        detail:
          reason === 'no_credits'
            ? 'There are no class credits left on your plan.'
            : 'You need an active plan to book classes.',
      };
    }
    const now = this.#ctx.now().toISOString();
    const decision = decideBook(session, this.#ctx.rules, {
      memberId: input.memberId as DocumentId<'member'>,
      now,
      key: entryKey(),
      source: input.source ?? sourceOf(input.actor),
      ...(input.waitlist === undefined ? {} : { waitlist: input.waitlist }),
    });
    if (decision.kind === 'refused') return { status: 'refused', sessionId: session.id, ...decision };
    // From here to the first await nothing yields: the read above and these writes are one step.
    const writes: Promise<unknown>[] = [store.update<'classSession'>(session.id, decision.patch)];
    if (decision.kind === 'booked' && payer.credit)
      writes.push(this.#spendCredit(payer.membership, session, decision.key, now));
    await Promise.all(writes);
    if (decision.kind === 'waitlisted')
      return { status: 'waitlisted', sessionId: session.id, key: decision.key, position: decision.position };
    const m = store.get<'membership'>(payer.membership.id);
    const left = m
      ? creditsLeft(m, this.#memberships.termsOf(m), localDate(session.startsAt, session.timeZone))
      : undefined;
    return {
      status: 'booked',
      sessionId: session.id,
      key: decision.key,
      ...(left === undefined ? {} : { creditsLeft: left }),
    };
  }

  #spendCredit(m: MembershipDoc, session: ClassSessionDoc, key: string, at: string): Promise<unknown> {
    const term = this.#memberships.termFor(m, localDate(session.startsAt, session.timeZone));
    return this.#ctx.unit.store.update<'membership'>(m.id, {
      creditsUsed: { [key]: { sessionId: session.id, term, at } },
    });
  }

  /**
   * Cancels the member's seat (refunding the credit unless late) or their place in line. A freed seat
   * goes at once to the first in line who may take it (active plan, a credit left).
   */
  async cancel(input: { memberId: string; sessionId: string; actor: Actor }): Promise<CancelOutcome> {
    const store = this.#ctx.unit.store;
    const session = this.#session(input.sessionId);
    const now = this.#ctx.now().toISOString();
    const payers = new Map<string, { membership: MembershipDoc; credit: boolean }>();
    const decision = decideCancel(
      session,
      this.#ctx.rules,
      { memberId: input.memberId, now },
      (candidate) => {
        const payer = this.#payer(candidate, session);
        if (payer === undefined || payer === 'no_credits') return false;
        payers.set(candidate, payer);
        return true;
      },
    );
    if (decision.kind === 'refused') return { status: 'refused', sessionId: session.id, ...decision };
    if (decision.kind === 'left_waitlist') {
      await store.update<'classSession'>(session.id, decision.patch as never);
      return { status: 'left_waitlist', sessionId: session.id };
    }
    const writes: Promise<unknown>[] = [store.update<'classSession'>(session.id, decision.patch as never)];
    let refunded = false;
    if (!decision.late) {
      for (const m of this.#memberships.documentsOf(input.memberId)) {
        if (m.creditsUsed?.[decision.key] === undefined) continue;
        writes.push(
          store.update<'membership'>(m.id, { creditsUsed: { [decision.key]: undefined } } as never),
        );
        refunded = true;
      }
    }
    for (const promotion of decision.promotions) {
      const payer = payers.get(promotion.memberId);
      if (payer?.credit) writes.push(this.#spendCredit(payer.membership, session, promotion.key, now));
    }
    await Promise.all(writes);
    return {
      status: 'cancelled',
      sessionId: session.id,
      late: decision.late,
      creditRefunded: refunded,
      promoted: decision.promotions.map((p) => p.memberId),
    };
  }

  /** Sessions starting in [from, from + days), with the member's place when `memberId` is given. */
  sessions(options: { from: string; days?: number; memberId?: string }): SessionSummary[] {
    const to = new Date(Date.parse(options.from) + (options.days ?? 7) * 86_400_000).toISOString();
    const places =
      options.memberId === undefined
        ? undefined
        : new Map(this.#places.all(options.memberId, options.from, to).map((p) => [p.session_id, p]));
    return this.#range.all(options.from, to).map((row) => {
      const place = places?.get(row.doc_id);
      return this.#summary(row, place === undefined ? undefined : mineOf(place));
    });
  }

  #summary(row: SessionRow, mine: SessionSummary['mine']): SessionSummary {
    const window = bookingWindow({ startsAt: row.starts_at }, this.#ctx.rules);
    return {
      id: row.doc_id,
      classTypeId: row.class_type_id,
      title: row.title,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      ...(row.room ? { room: row.room } : {}),
      capacity: row.capacity,
      booked: row.booked,
      waitlisted: row.waitlisted,
      seatsLeft: Math.max(0, row.capacity - row.booked),
      status: row.status,
      bookingOpensAt: window.opensAt,
      bookingClosesAt: window.closesAt,
      timeZone: this.#ctx.timeZone(),
      ...(mine ? { mine } : {}),
    };
  }

  /** The member's booked upcoming sessions (next 14 days), soonest first: one index range, no document. */
  upcomingFor(memberId: string, limit = 5): SessionSummary[] {
    const now = this.#ctx.now();
    const to = new Date(now.getTime() + 14 * 86_400_000).toISOString();
    return this.#upcoming
      .all(memberId, now.toISOString(), to, limit)
      .map((row) => this.#summary(row, { status: 'booked', ...(row.promoted ? { promoted: true } : {}) }));
  }

  /** One session with its roster and waiting line (names for staff). */
  roster(sessionId: string) {
    const session = this.#session(sessionId);
    const name = (id: string) => this.#ctx.unit.members.get(id)?.name ?? id;
    return {
      ...summaryOf(session, this.#ctx),
      trainerId: session.trainerId,
      bookings: Object.entries(session.bookings)
        .map(([key, b]) => ({
          key,
          memberId: b.memberId,
          name: name(b.memberId),
          status: b.status,
          bookedAt: b.bookedAt,
          source: b.source,
        }))
        .sort((a, b) => a.bookedAt.localeCompare(b.bookedAt)),
      waitlist: waitingLine(session).map((entry, index) => ({
        key: entry.key,
        memberId: entry.memberId,
        name: name(entry.memberId),
        position: index + 1,
        joinedAt: entry.joinedAt,
      })),
    };
  }

  /** Marks a booked member as attended or no-show. */
  async markAttendance(sessionId: string, memberId: string, attended: boolean): Promise<void> {
    const session = this.#session(sessionId);
    const patch = attendancePatch(session, memberId, attended);
    if (!patch) throw new NotFoundError('This member has no place in this class.');
    await this.#ctx.unit.store.update<'classSession'>(sessionId, patch.patch as never);
  }
}

interface PlaceRow {
  session_id: string;
  status: 'booked' | 'waitlisted';
  position: number | null;
  promoted: number;
}

function mineOf(place: PlaceRow): SessionSummary['mine'] {
  if (place.status === 'booked') return { status: 'booked', ...(place.promoted ? { promoted: true } : {}) };
  return { status: 'waitlisted', ...(place.position === null ? {} : { position: place.position }) };
}

function summaryOf(doc: ClassSessionDoc, ctx: OperationsContext): SessionSummary {
  const window = bookingWindow(doc, ctx.rules);
  const left = seatsLeft(doc);
  return {
    id: doc.id,
    classTypeId: doc.classTypeId,
    title: doc.title,
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    ...(doc.room ? { room: doc.room } : {}),
    capacity: doc.capacity,
    booked: doc.capacity - left,
    waitlisted: waitingLine(doc).length,
    seatsLeft: left,
    status: doc.status,
    bookingOpensAt: window.opensAt,
    bookingClosesAt: window.closesAt,
    timeZone: doc.timeZone,
  };
}

function sourceOf(actor: Actor): BookingSource {
  if (actor.role === 'kiosk') return 'kiosk';
  if (actor.role === 'member') return 'app';
  if (actor.role === 'system') return 'import';
  return 'staff';
}
