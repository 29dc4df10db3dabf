import { createHmac, timingSafeEqual } from 'node:crypto';
import { weekdayIndex } from '../domain/calendar.ts';
import {
  type CheckInDecision,
  type CheckInRefusal,
  decideCheckIn,
  memberQr,
  readMemberQr,
  recordedDenial,
} from '../domain/checkin.ts';
import { localTime } from '../domain/classes.ts';
import type { CheckInResult } from '../domain/operations-types.ts';
import { digitsOnly } from '../domain/text.ts';
import { localDate } from '../domain/time.ts';
import type { BookingService } from './booking-service.ts';
import type { Actor } from './contracts.ts';
import { NotFoundError } from './contracts.ts';
import { memberDirectoryOf } from './member-directory.ts';
import type { MembershipOps } from './membership-ops.ts';
import type { OperationsContext } from './operations-context.ts';

export type { CheckInResult } from '../domain/operations-types.ts';

/** How the member identified themselves. */
export type CheckInInput =
  | { readonly code: string; readonly actor: Actor }
  | { readonly document: string; readonly actor: Actor }
  /** The member number typed: the chain's customer id on their card (`externalRef`, e.g. 48213 or CS5295). */
  | { readonly number: string; readonly actor: Actor }
  | { readonly memberId: string; readonly actor: Actor };

const SERVING_MINUTES = 5;

/** Check-in rows waiting for the end of this turn of the event loop (see CheckinService.#record). */
interface CheckinBatch {
  readonly rows: unknown[];
  /** Members admitted by these rows, and when: the re-entry rule sees them before they are written. */
  readonly admitted: Map<string, string>;
  readonly done: Promise<void>;
}

/**
 * Check-in at the desk or kiosk: QR (signed, checked offline), CPF or member number typed, or a member
 * picked by staff.
 */
export class CheckinService {
  readonly #ctx: OperationsContext;
  readonly #memberships: MembershipOps;
  readonly #bookings: BookingService;
  #batch: CheckinBatch | undefined;

  constructor(ctx: OperationsContext, memberships: MembershipOps, bookings: BookingService) {
    this.#ctx = ctx;
    this.#memberships = memberships;
    this.#bookings = bookings;
  }

  /** The text of a member's QR card. */
  qrFor(memberId: string): string {
    const member = this.#ctx.unit.members.get(memberId);
    if (!member || member.status === 'erased') throw new NotFoundError(`There is no member ${memberId}.`);
    return memberQr(this.#ctx.qrKey, this.#ctx.unitId, memberId);
  }

  /** The one member whose member number (card id) this is, exactly as typed or in capitals. */
  #byNumber(typed: string): string | undefined {
    const number = typed.trim();
    for (const value of new Set([number, number.toUpperCase()])) {
      const found = this.#ctx.unit.members.lookup({ kind: 'externalRef', value }, 2);
      if (found.length === 1 && found[0]) return found[0].id;
      if (found.length > 1) return undefined;
    }
    return undefined;
  }

  #resolve(
    input: CheckInInput,
  ): { memberId: string; method: 'qr' | 'document' | 'card' | 'manual' } | CheckInRefusal {
    if ('code' in input) {
      const reading = readMemberQr(this.#ctx.qrKey, input.code);
      return reading.ok ? { memberId: reading.memberId, method: 'qr' } : 'invalid_code';
    }
    if ('number' in input) {
      const memberId = this.#byNumber(input.number);
      return memberId === undefined ? 'member_unknown' : { memberId, method: 'card' };
    }
    if ('document' in input) {
      const digits = digitsOnly(input.document);
      if (digits.length !== 11) return 'member_unknown';
      const found = this.#ctx.unit.members
        .search({ q: digits, limit: 2 })
        .items.filter((m) => m.document && digitsOnly(m.document) === digits);
      if (found.length === 1 && found[0]) return { memberId: found[0].id, method: 'document' };
      // Not a member here: a member of another unit whose plan HQ's directory brought (member-directory.ts).
      const visiting =
        found.length === 0 ? memberDirectoryOf(this.#ctx.unit).findByDocument(digits) : undefined;
      if (visiting !== undefined) return { memberId: visiting, method: 'document' };
      // Eleven digits that are no member's CPF may still be a member number.
      const numbered = found.length === 0 ? this.#byNumber(digits) : undefined;
      return numbered === undefined ? 'member_unknown' : { memberId: numbered, method: 'card' };
    }
    return { memberId: input.memberId, method: 'manual' };
  }

  /** Decides and records a check-in. Refusals are answers (200), not errors: the screen shows them. */
  async checkIn(input: CheckInInput): Promise<CheckInResult> {
    const now = this.#ctx.now();
    const at = now.toISOString();
    const resolved = this.#resolve(input);
    if (typeof resolved === 'string')
      return {
        allowed: false,
        reason: resolved,
        at,
        timeZone: this.#ctx.timeZone(),
        upcoming: [],
        promotions: [],
      };
    const local = this.#ctx.unit.members.get(resolved.memberId);
    const visitor = local
      ? undefined
      : memberDirectoryOf(this.#ctx.unit).visitor(resolved.memberId, localDate(now, this.#ctx.timeZone()));
    const member = local ?? visitor;
    if (!member || member.status === 'erased')
      return {
        allowed: false,
        reason: 'member_unknown',
        at,
        timeZone: this.#ctx.timeZone(),
        upcoming: [],
        promotions: [],
      };
    const zone = this.#ctx.timeZone();
    const day = localDate(now, zone);
    // Admitted already: a row committed, or one of this turn's rows still on its way to the disk.
    const last =
      this.#batch?.admitted.get(member.id) ??
      this.#ctx.unit.checkins.forMember(member.id, 5).find((row) => row.denied === null)?.at;
    const reentryFrom = now.getTime() - this.#ctx.config.reentryMinutes * 60_000;
    const views = visitor ? [] : this.#memberships.viewsOf(member.id, day);
    const hours = this.#ctx.unitDoc()?.openingHours;
    const decision: CheckInDecision = decideCheckIn({
      unitId: this.#ctx.unitId,
      memberStatus: member.status,
      memberships: visitor
        ? visitor.memberships
        : views.map((v) => ({
            id: v.id,
            planName: v.planName,
            status: v.status,
            unitId: v.unitId,
            access: v.access,
          })),
      ...(hours ? { openingHours: hours } : {}),
      localDate: day,
      localTime: localTime(at, zone),
      weekday: weekdayIndex(day),
      ...(last && Date.parse(last) >= reentryFrom ? { lastCheckInAt: last } : {}),
    });
    const extra = {
      ...(input.actor.role !== 'kiosk' && input.actor.id.startsWith('staff:')
        ? { staffId: input.actor.id }
        : {}),
      ...(visitor ? { homeUnitId: visitor.homeUnitId } : {}),
    };
    const firstName = (member.name ?? '').split(/\s+/)[0] ?? '';
    if (decision.allowed) {
      await this.#record(
        {
          id: `${this.#ctx.unitId}:${day}:${member.id}:${now.getTime()}`,
          unitId: this.#ctx.unitId,
          memberId: member.id,
          at,
          localDate: day,
          method: resolved.method,
          membershipId: decision.membershipId,
          ...extra,
        },
        { memberId: member.id, at },
      );
    } else {
      const denied = recordedDenial(decision.reason);
      if (denied)
        await this.#record({
          id: `${this.#ctx.unitId}:${day}:${member.id}:${now.getTime()}:denied`,
          unitId: this.#ctx.unitId,
          memberId: member.id,
          at,
          localDate: day,
          method: resolved.method,
          denied,
          ...extra,
        });
    }
    const upcoming = this.#bookings.upcomingFor(member.id, 5);
    return {
      ...decision,
      allowed: decision.allowed,
      at,
      timeZone: zone,
      member: { id: member.id, firstName },
      serving: this.servingTicket(member.id),
      upcoming,
      promotions: upcoming.filter((s) => s.mine?.promoted === true),
    };
  }

  /**
   * Records a check-in row together with the other rows of this turn of the event loop: one
   * transaction (one fsync) for all the check-ins decided meanwhile, instead of one each. Resolves once
   * the row is on disk, so an answer never rests on a row not yet written.
   */
  #record(row: unknown, admitted?: { memberId: string; at: string }): Promise<void> {
    let batch = this.#batch;
    if (batch === undefined) {
      const rows: unknown[] = [];
      const created: CheckinBatch = {
        rows,
        admitted: new Map(),
        done: new Promise<void>((resolve, reject) => {
          setImmediate(() => {
            if (this.#batch === created) this.#batch = undefined;
            try {
              this.#ctx.unit.checkins.record(rows);
              resolve();
            } catch (error) {
              reject(error);
            }
          });
        }),
      };
      batch = created;
      this.#batch = batch;
    }
    batch.rows.push(row);
    if (admitted !== undefined) batch.admitted.set(admitted.memberId, admitted.at);
    return batch.done;
  }

  /** A ticket naming the member being served, valid for a few minutes. */
  servingTicket(memberId: string): string {
    const expires = Math.floor(this.#ctx.now().getTime() / 1000) + SERVING_MINUTES * 60;
    const body = `${memberId}.${expires}`;
    return `${body}.${createHmac('sha256', this.#ctx.servingKey).update(body).digest('base64url').slice(0, 32)}`;
  }

  /** The member a serving ticket names, if it is genuine and fresh. */
  servedMember(ticket: string): string | undefined {
    const match = /^(member:[0-9A-HJKMNP-TV-Z]{26})\.(\d{10})\.([A-Za-z0-9_-]{32})$/.exec(ticket);
    if (!match) return undefined;
    const [, memberId = '', expires = '0', sig = ''] = match;
    const expected = createHmac('sha256', this.#ctx.servingKey)
      .update(`${memberId}.${expires}`)
      .digest('base64url')
      .slice(0, 32);
    if (!timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) return undefined;
    return Number(expires) * 1000 >= this.#ctx.now().getTime() ? memberId : undefined;
  }
}
