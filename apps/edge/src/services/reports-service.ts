import type { ClassSessionDoc } from '@gymedge/crdt-schema';
import type { Statement } from 'better-sqlite3';
import { addDays } from '../domain/calendar.ts';
import { localTime } from '../domain/classes.ts';
import { exportCsv, exportJson, type MemberDataBundle } from '../domain/lgpd.ts';
import type { OverdueEntry } from '../domain/payments.ts';
import { zonedToUtc } from '../domain/time.ts';
import { NotFoundError } from './contracts.ts';
import type { MembershipOps } from './membership-ops.ts';
import type { OperationsContext } from './operations-context.ts';
import type { PaymentService } from './payment-service.ts';

/** The day at a glance, for the manager's report screen. */
export interface DailyReport {
  readonly date: string;
  /** Admitted check-ins per local hour (0-23). */
  readonly checkinsByHour: readonly number[];
  readonly checkins: number;
  readonly denied: number;
  /** Paid that day, by method, in cents. */
  readonly revenueByMethod: Readonly<Record<string, number>>;
  readonly revenueCents: number;
  readonly activeMembers: number;
  readonly classes: ReadonlyArray<{
    id: string;
    title: string;
    startsAt: string;
    capacity: number;
    booked: number;
    waitlisted: number;
  }>;
  /** Seats taken over seats offered that day (0..1). */
  readonly occupancy: number;
  readonly overdue: ReadonlyArray<OverdueEntry & { name: string }>;
}

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Daily reports, CSV exports, and a member's LGPD copy. */
export class ReportsService {
  readonly #ctx: OperationsContext;
  readonly #memberships: MembershipOps;
  readonly #payments: PaymentService;
  readonly #checkins: Statement<[string], { at: string; denied: string | null }>;
  readonly #paid: Statement<[string, string], { method: string | null; cents: number }>;
  readonly #paymentsAll: Statement<[], Record<string, unknown>>;
  readonly #sessionsBetween: Statement<[string, string], { doc_id: string }>;

  constructor(ctx: OperationsContext, memberships: MembershipOps, payments: PaymentService) {
    this.#ctx = ctx;
    this.#memberships = memberships;
    this.#payments = payments;
    const db = ctx.unit.db;
    this.#checkins = db.prepare('SELECT at, denied FROM checkins WHERE local_date = ?');
    this.#paid = db.prepare(
      "SELECT method, sum(amount_cents) AS cents FROM payment_index WHERE status = 'paid' AND paid_at >= ? AND paid_at < ? GROUP BY method",
    );
    this.#paymentsAll = db.prepare(
      'SELECT doc_id, member_id, membership_id, amount_cents, service, method, status, due_date, paid_at FROM payment_index ORDER BY coalesce(paid_at, due_date)',
    );
    this.#sessionsBetween = db.prepare(
      'SELECT doc_id FROM class_session_index WHERE starts_at >= ? AND starts_at < ?',
    );
  }

  daily(date = this.#ctx.today()): DailyReport {
    const zone = this.#ctx.timeZone();
    const byHour = Array.from({ length: 24 }, () => 0);
    let denied = 0;
    for (const row of this.#checkins.all(date)) {
      if (row.denied !== null) {
        denied++;
        continue;
      }
      const hour = Number(localTime(row.at, zone).slice(0, 2));
      byHour[hour] = (byHour[hour] ?? 0) + 1;
    }
    const from = zonedToUtc(date, '00:00', zone);
    const to = zonedToUtc(addDays(date, 1), '00:00', zone);
    const revenueByMethod: Record<string, number> = {};
    for (const row of this.#paid.all(from, to)) revenueByMethod[row.method ?? 'unknown'] = row.cents;
    const classes = this.#ctx.unit.operations.classesOn(date, zone).map((row) => ({
      id: row.doc_id,
      title: row.title,
      startsAt: row.starts_at,
      capacity: row.capacity,
      booked: row.booked,
      waitlisted: row.waitlisted,
    }));
    const offered = classes.reduce((sum, c) => sum + c.capacity, 0);
    const taken = classes.reduce((sum, c) => sum + Math.min(c.booked, c.capacity), 0);
    return {
      date,
      checkinsByHour: byHour,
      checkins: byHour.reduce((a, b) => a + b, 0),
      denied,
      revenueByMethod,
      revenueCents: Object.values(revenueByMethod).reduce((a, b) => a + b, 0),
      activeMembers: this.#ctx.unit.operations.activeMembers(date),
      classes,
      occupancy: offered === 0 ? 0 : taken / offered,
      overdue: this.#payments
        .overdue(date)
        .slice(0, 50)
        .map((entry) => ({ ...entry, name: this.#ctx.unit.members.get(entry.memberId)?.name ?? '' })),
    };
  }

  /** Every member of the unit as CSV (id, name, e-mail, phone, CPF, status, signup date). */
  membersCsv(): string {
    const rows = [['id', 'name', 'email', 'phone', 'cpf', 'status', 'signup_date'].map(csvCell).join(',')];
    let cursor: string | undefined;
    do {
      const page = this.#ctx.unit.members.search({ limit: 200, ...(cursor ? { cursor } : {}) });
      for (const m of page.items)
        rows.push(
          [m.id, m.name, m.email, m.phone, m.document, m.status, m.signupDate].map(csvCell).join(','),
        );
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return `${rows.join('\r\n')}\r\n`;
  }

  /** Every payment as CSV, in date order. */
  paymentsCsv(): string {
    const columns = [
      'doc_id',
      'member_id',
      'membership_id',
      'amount_cents',
      'service',
      'method',
      'status',
      'due_date',
      'paid_at',
    ];
    const rows = [columns.map(csvCell).join(',')];
    for (const row of this.#paymentsAll.all()) rows.push(columns.map((c) => csvCell(row[c])).join(','));
    return `${rows.join('\r\n')}\r\n`;
  }

  /** The member's own data (LGPD art. 18): profile, memberships, payments, bookings of the last year, check-ins. */
  memberExport(memberId: string, format: 'json' | 'csv'): string {
    const member = this.#ctx.unit.members.get(memberId);
    if (!member || member.status === 'erased') throw new NotFoundError(`There is no member ${memberId}.`);
    const now = this.#ctx.now();
    const bookings: Array<Record<string, unknown>> = [];
    const since = new Date(now.getTime() - 365 * 86_400_000).toISOString();
    for (const row of this.#sessionsBetween.all(
      since,
      new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    )) {
      const session = this.#ctx.unit.store.get<'classSession'>(row.doc_id) as ClassSessionDoc | undefined;
      if (!session) continue;
      for (const booking of Object.values(session.bookings))
        if (booking.memberId === memberId)
          bookings.push({ class: session.title, startsAt: session.startsAt, ...booking });
      for (const entry of Object.values(session.waitlist))
        if (entry.memberId === memberId)
          bookings.push({
            class: session.title,
            startsAt: session.startsAt,
            waitlist: entry.status,
            joinedAt: entry.joinedAt,
          });
    }
    const bundle: MemberDataBundle = {
      exportedAt: now.toISOString(),
      unitId: this.#ctx.unitId,
      member: { ...member },
      memberships: this.#memberships.viewsOf(memberId).map((m) => ({
        id: m.id,
        plan: m.planName,
        startDate: m.startDate,
        endDate: m.endDate,
        state: m.status.state,
        priceCents: m.priceCents,
      })),
      payments: this.#payments.forMember(memberId).map((p) => ({
        id: p.id,
        service: p.service,
        amountCents: p.amountCents,
        status: p.status,
        method: p.method,
        dueDate: p.dueDate,
        paidAt: p.paidAt,
      })),
      bookings,
      checkins: this.#ctx.unit.checkins
        .forMember(memberId, 100_000)
        .map((c) => ({ at: c.at, unit: c.unit_id, method: c.method, denied: c.denied ?? undefined })),
    };
    return format === 'json' ? exportJson(bundle) : exportCsv(bundle);
  }
}
