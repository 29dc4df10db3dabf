/**
 * What the assistant needs from the rest of the unit, as small ports. The engine never touches the
 * store directly: `store-adapter.ts` implements these against the unit's documents and read models,
 * applying the same booking rules as the kiosk.
 */

/** A class session as the assistant shows it. */
export interface SessionView {
  readonly id: string;
  /** The class name shown to people ("Spinning"). */
  readonly title: string;
  readonly classTypeId: string;
  /** UTC instants. */
  readonly startsAt: string;
  readonly endsAt: string;
  /** Local date and time in the unit's zone. */
  readonly localDate: string;
  readonly localTime: string;
  readonly room?: string;
  readonly capacity: number;
  readonly booked: number;
  readonly waitlisted: number;
  readonly status: 'scheduled' | 'cancelled' | 'completed';
}

/** The unit's timetable. */
export interface ScheduleSource {
  /** Sessions starting in [fromIso, toIso), in start order. */
  sessions(fromIso: string, toIso: string): SessionView[];
  /** Class type names (as shown) of the unit, for entity matching. */
  classNames(): string[];
}

/** Outcome of a booking or cancellation attempt, with a machine-readable reason when refused. */
export type BookingOutcome =
  | {
      readonly ok: true;
      readonly status: 'booked' | 'waitlisted' | 'cancelled';
      readonly session: SessionView;
      readonly position?: number;
    }
  | {
      readonly ok: false;
      readonly reason:
        | 'not_found'
        | 'session_cancelled'
        | 'session_started'
        | 'not_open_yet'
        | 'already_booked'
        | 'already_waitlisted'
        | 'not_booked'
        | 'full'
        | 'no_credits'
        | 'no_active_plan'
        | 'blocked_no_shows'
        | 'error';
      readonly detail?: string;
    };

/** The account on whose behalf the assistant acts. */
export interface ActingAccount {
  readonly id: string;
  readonly role: 'owner' | 'manager' | 'staff' | 'trainer' | 'kiosk' | 'member';
}

/** A member's booking, for status and cancellation. */
export interface MemberBooking {
  readonly session: SessionView;
  readonly status: 'booked' | 'waitlisted';
}

/** What the assistant may tell a member about themselves (never other people's data). */
export interface MemberStatus {
  readonly memberId: string;
  readonly firstName?: string;
  readonly memberStatus: string;
  readonly plan?: { readonly name: string; readonly status: string; readonly endDate?: string };
  readonly overduePayments: number;
  readonly upcoming: readonly MemberBooking[];
}

/** Booking actions, the same rules as the kiosk and front desk. */
export interface BookingPort {
  /** `by` is the signed-in account the API let act (for the audit trail). */
  book(memberId: string, sessionId: string, by?: ActingAccount): Promise<BookingOutcome>;
  cancel(memberId: string, sessionId: string, by?: ActingAccount): Promise<BookingOutcome>;
  /** The member's booked and waitlisted sessions from `fromIso` on. */
  bookingsOf(memberId: string, fromIso: string): MemberBooking[];
  status(memberId: string, today: string): MemberStatus | undefined;
}

/** The unit's own information, read from its data (never hard-coded). */
export interface GymInfo {
  readonly name: string;
  readonly timeZone: string;
  readonly address?: string;
  readonly city?: string;
  /** Phone or other contact for "talk to a professional / the front desk". */
  readonly contact?: string;
  readonly openingHours?: Partial<
    Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { opens: string; closes: string }>
  >;
  readonly plans: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly priceCents: number;
    readonly billingPeriod: string;
    readonly access: string;
    readonly classCredits?: number;
  }>;
}

export interface GymInfoSource {
  info(): GymInfo;
}

/** Who a staff handover request is for; the adapter records it (audit, alert) and the console sees it. */
export interface HandoverPort {
  request(input: {
    memberId?: string;
    actorId: string;
    text: string;
    locale: string;
  }): Promise<{ ticket: string }>;
}
