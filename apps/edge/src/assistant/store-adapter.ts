import { randomBytes } from 'node:crypto';
import { type ClassSessionDoc, deterministicDocId } from '@gymedge/crdt-schema';
import type { Statement } from 'better-sqlite3';
import { waitlistPosition } from '../domain/bookings.ts';
import { localTime } from '../domain/classes.ts';
import { localDate } from '../domain/time.ts';
import { silentLogger } from '../lib/logger.ts';
import type { BookingService } from '../services/booking-service.ts';
import type { Actor } from '../services/contracts.ts';
import { createOperations } from '../services/operations.ts';
import type { UnitStore } from '../unit-store.ts';
import type {
  ActingAccount,
  BookingOutcome,
  BookingPort,
  GymInfo,
  GymInfoSource,
  HandoverPort,
  MemberBooking,
  MemberStatus,
  ScheduleSource,
  SessionView,
} from './ports.ts';

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

/** Options of {@link StoreAssistantPorts}. */
export interface StorePortsOptions {
  readonly unitId: string;
  /** The operations booking service: the assistant books and cancels through it, like the kiosk. */
  readonly bookings: BookingService;
  readonly clock?: () => Date;
}

/** Who the operations service sees acting (audit); the API decided beforehand that the caller may. */
const ASSISTANT: Actor = { id: 'assistant', role: 'system' };

/**
 * The assistant's ports over the unit's store: the timetable from the `class_session_index` read model,
 * bookings and cancellations through the operations `BookingService` (the same one the kiosk and the
 * desk call: plan and credits, booking window, waitlist and promotion, one seat per member), plan and
 * payments from the operations read models, the unit's hours and plans from its documents. Handover
 * requests go to the audit log.
 */
export class StoreAssistantPorts implements ScheduleSource, BookingPort, GymInfoSource, HandoverPort {
  readonly #unit: UnitStore;
  readonly #unitId: string;
  readonly #clock: () => Date;
  readonly #bookings: BookingService;
  readonly #sessions: Statement<[string, string], SessionRow>;
  readonly #plans: Statement<
    [],
    {
      doc_id: string;
      name: string;
      price_cents: number;
      billing_period: string;
      access: string;
      class_credits: number | null;
    }
  >;
  readonly #titles: Statement<[string], { title: string }>;
  readonly #openPayments: Statement<[string, string], { n: number }>;
  #namesCache: { at: number; names: string[] } | undefined;
  #infoCache: { at: number; info: GymInfo } | undefined;

  /** Ports with their own operations services over `unit` (tests, the evaluation, the default plugin). */
  static over(unit: UnitStore, options: { unitId: string; clock?: () => Date }): StoreAssistantPorts {
    const clock = options.clock ?? (() => new Date());
    const bookings = createOperations({
      unit,
      unitId: options.unitId,
      logger: silentLogger(),
      clock,
    }).bookings;
    return new StoreAssistantPorts(unit, { unitId: options.unitId, clock, bookings });
  }

  constructor(unit: UnitStore, options: StorePortsOptions) {
    this.#unit = unit;
    this.#unitId = options.unitId;
    this.#clock = options.clock ?? (() => new Date());
    this.#bookings = options.bookings;
    this.#sessions = unit.db.prepare(
      'SELECT * FROM class_session_index WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, title',
    );
    this.#plans = unit.db.prepare('SELECT * FROM plan_index WHERE active = 1 ORDER BY price_cents');
    this.#titles = unit.db.prepare(
      'SELECT DISTINCT title FROM class_session_index WHERE starts_at >= ? ORDER BY title',
    );
    this.#openPayments = unit.db.prepare(
      "SELECT count(*) AS n FROM payment_index WHERE member_id = ? AND status IN ('pending', 'failed') AND due_date IS NOT NULL AND due_date < ?",
    );
  }

  #zone(): string {
    return this.info().timeZone;
  }

  #view(row: SessionRow | ClassSessionDoc): SessionView {
    const zone = this.#zone();
    if ('doc_id' in row) {
      return {
        id: row.doc_id,
        title: row.title,
        classTypeId: row.class_type_id,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        localDate: localDate(row.starts_at, zone),
        localTime: localTime(row.starts_at, zone),
        ...(row.room ? { room: row.room } : {}),
        capacity: row.capacity,
        booked: row.booked,
        waitlisted: row.waitlisted,
        status: row.status as SessionView['status'],
      };
    }
    const booked = Object.values(row.bookings).filter((b) => b.status !== 'cancelled').length;
    return {
      id: row.id,
      title: row.title,
      classTypeId: row.classTypeId,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      localDate: localDate(row.startsAt, zone),
      localTime: localTime(row.startsAt, zone),
      ...(row.room ? { room: row.room } : {}),
      capacity: row.capacity,
      booked,
      waitlisted: Object.values(row.waitlist).filter((w) => w.status === 'waiting').length,
      status: row.status,
    };
  }

  sessions(fromIso: string, toIso: string): SessionView[] {
    return this.#sessions.all(fromIso, toIso).map((row) => this.#view(row));
  }

  classNames(): string[] {
    const now = this.#clock().getTime();
    if (this.#namesCache !== undefined && now - this.#namesCache.at < 60_000) return this.#namesCache.names;
    const names = new Set<string>();
    for (const id of this.#unit.store.idsOfType('classType')) {
      const type = this.#unit.store.get<'classType'>(id);
      if (type) names.add(type.name);
    }
    for (const row of this.#titles.all(new Date(now - 86_400_000).toISOString())) names.add(row.title);
    this.#namesCache = { at: now, names: [...names].sort() };
    return this.#namesCache.names;
  }

  async book(memberId: string, sessionId: string, by?: ActingAccount): Promise<BookingOutcome> {
    if (this.#session(sessionId) === undefined) return { ok: false, reason: 'not_found' };
    const actor: Actor = by ?? ASSISTANT;
    const outcome = await this.#bookings.book({ memberId, sessionId, actor, source: 'assistant' });
    if (outcome.status === 'refused') return { ok: false, reason: outcome.reason, detail: outcome.detail };
    const session = this.#session(sessionId);
    if (session === undefined) return { ok: false, reason: 'not_found' };
    return outcome.status === 'booked'
      ? { ok: true, status: 'booked', session: this.#view(session) }
      : { ok: true, status: 'waitlisted', session: this.#view(session), position: outcome.position };
  }

  async cancel(memberId: string, sessionId: string, by?: ActingAccount): Promise<BookingOutcome> {
    if (this.#session(sessionId) === undefined) return { ok: false, reason: 'not_found' };
    const outcome = await this.#bookings.cancel({ memberId, sessionId, actor: by ?? ASSISTANT });
    if (outcome.status === 'refused') return { ok: false, reason: outcome.reason, detail: outcome.detail };
    const session = this.#session(sessionId);
    if (session === undefined) return { ok: false, reason: 'not_found' };
    return { ok: true, status: 'cancelled', session: this.#view(session) };
  }

  #session(sessionId: string): ClassSessionDoc | undefined {
    if (!/^classSession:[0-9A-Z]{26}$/.test(sessionId)) return undefined;
    const doc = this.#unit.store.get<'classSession'>(sessionId);
    return doc?.unitId === this.#unitId ? doc : undefined;
  }

  bookingsOf(memberId: string, fromIso: string): MemberBooking[] {
    const to = new Date(Date.parse(fromIso) + 14 * 86_400_000).toISOString();
    const out: MemberBooking[] = [];
    for (const row of this.#sessions.all(fromIso, to)) {
      if (row.booked === 0 && row.waitlisted === 0) continue;
      const doc = this.#unit.store.get<'classSession'>(row.doc_id);
      if (doc === undefined || doc.status !== 'scheduled') continue;
      if (Object.values(doc.bookings).some((b) => b.memberId === memberId && b.status === 'booked'))
        out.push({ session: this.#view(doc), status: 'booked' });
      else if (waitlistPosition(doc, memberId) !== undefined)
        out.push({ session: this.#view(doc), status: 'waitlisted' });
    }
    return out;
  }

  status(memberId: string, today: string): MemberStatus | undefined {
    const member = this.#unit.store.get<'member'>(memberId);
    if (member === undefined || member.status === 'erased') return undefined;
    const membership = this.#unit.operations.activeMemberships(memberId, today).at(-1);
    return {
      memberId,
      memberStatus: member.status,
      ...(membership
        ? {
            plan: {
              name: membership.plan_name ?? '—',
              status: membership.status,
              ...(membership.end_date ? { endDate: membership.end_date } : {}),
            },
          }
        : {}),
      overduePayments: this.#openPayments.get(memberId, today)?.n ?? 0,
      upcoming: this.bookingsOf(memberId, this.#clock().toISOString()),
    };
  }

  /** The unit's information, re-read at most every 5 s (it changes rarely; every message reads it). */
  info(): GymInfo {
    const now = Date.now();
    if (this.#infoCache === undefined || now - this.#infoCache.at > 5000)
      this.#infoCache = { at: now, info: this.#readInfo() };
    return this.#infoCache.info;
  }

  #readInfo(): GymInfo {
    const unit = this.#unit.store.get<'unit'>(deterministicDocId('unit', this.#unitId));
    return {
      name: unit?.name ?? this.#unitId,
      timeZone: unit?.timeZone ?? 'America/Sao_Paulo',
      ...(unit?.address
        ? { address: unit.address, contact: `${unit.address}${unit.city ? `, ${unit.city}` : ''}` }
        : {}),
      ...(unit?.city ? { city: unit.city } : {}),
      ...(unit?.openingHours ? { openingHours: unit.openingHours } : {}),
      plans: this.#plans.all().map((p) => ({
        id: p.doc_id,
        name: p.name,
        priceCents: p.price_cents,
        billingPeriod: p.billing_period,
        access: p.access,
        ...(p.class_credits === null ? {} : { classCredits: p.class_credits }),
      })),
    };
  }

  async request(input: {
    memberId?: string;
    actorId: string;
    text: string;
    locale: string;
  }): Promise<{ ticket: string }> {
    const ticket = `handover-${randomBytes(6).toString('hex')}`;
    // The message itself is not stored (it may hold health details); staff see who asks and when.
    this.#unit.audit.append({
      actorId: input.actorId,
      actorRole: 'assistant',
      action: input.text.startsWith('EMERGENCY') ? 'assistant.emergency' : 'assistant.handover',
      ...(input.memberId ? { target: input.memberId } : {}),
      detail: { ticket, locale: input.locale },
    });
    return { ticket };
  }
}
