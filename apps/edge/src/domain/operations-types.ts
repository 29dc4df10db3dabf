/**
 * The answers of the booking and check-in services as the API returns them: plain types with no
 * imports, shared by the services (booking-service.ts, checkin-service.ts), the domain rules and the
 * screens (web/src/kiosk, web/src/staff import them type-only), so a change of an answer is a type
 * error wherever it is read.
 */

/** Why a booking is refused; the screens turn each into a sentence (pt-BR, en). */
export type BookingRefusal =
  | 'session_cancelled'
  | 'session_started'
  | 'not_open_yet'
  | 'already_booked'
  | 'already_waitlisted'
  | 'full'
  | 'no_credits'
  | 'no_active_plan'
  | 'blocked_no_shows';

/** Why the door stays shut; each has a sentence for the member in the kiosk's pt-BR and en strings. */
export type CheckInRefusal =
  | 'member_unknown'
  | 'member_inactive'
  | 'no_active_plan'
  | 'overdue'
  | 'frozen'
  | 'wrong_unit'
  | 'closed'
  | 'already_inside'
  | 'invalid_code';

/** A session as a list shows it, with the asking member's place when a member is given. */
export interface SessionSummary {
  readonly id: string;
  readonly classTypeId: string;
  readonly title: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly room?: string;
  readonly capacity: number;
  readonly booked: number;
  readonly waitlisted: number;
  readonly seatsLeft: number;
  readonly status: string;
  readonly bookingOpensAt: string;
  readonly bookingClosesAt: string;
  /** The unit's zone: screens show times in it, wherever the browser is. */
  readonly timeZone: string;
  /** For the member asked about: `booked`, `waitlisted` (with position), or absent. */
  readonly mine?: {
    readonly status: 'booked' | 'waitlisted';
    readonly position?: number;
    readonly promoted?: boolean;
  };
}

/** What a booking request came to. Every refusal carries a reason code and a sentence. */
export type BookingOutcome =
  | {
      readonly status: 'booked';
      readonly sessionId: string;
      readonly key: string;
      readonly creditsLeft?: number;
    }
  | {
      readonly status: 'waitlisted';
      readonly sessionId: string;
      readonly key: string;
      readonly position: number;
    }
  | {
      readonly status: 'refused';
      readonly sessionId: string;
      readonly reason: BookingRefusal;
      readonly detail: string;
    };

/** What a cancellation came to. */
export type CancelOutcome =
  | {
      readonly status: 'cancelled';
      readonly sessionId: string;
      /** Inside the late-cancel window: the credit was not refunded. */
      readonly late: boolean;
      readonly creditRefunded: boolean;
      /** Members moved from the waiting line into the freed seat, in order. */
      readonly promoted: readonly string[];
    }
  | { readonly status: 'left_waitlist'; readonly sessionId: string }
  | {
      readonly status: 'refused';
      readonly sessionId: string;
      readonly reason: 'not_booked' | 'session_started';
      readonly detail: string;
    };

/** The answer at the door, with what the greeting shows. */
export interface CheckInResult {
  readonly allowed: boolean;
  readonly reason?: CheckInRefusal;
  /** A date or time that explains the reason (frozen until, overdue since, opens at, inside since). */
  readonly until?: string;
  readonly since?: string;
  readonly at: string;
  /** The unit's zone, for showing `at` and `since` as the unit's wall time. */
  readonly timeZone: string;
  readonly member?: { readonly id: string; readonly firstName: string };
  readonly planName?: string;
  /** Overdue but let in: the last day of grace. */
  readonly inGrace?: string;
  /**
   * A ticket the kiosk sends back to book or cancel for this member during the next 5 minutes (a
   * kiosk may act only for the member standing in front of it).
   */
  readonly serving?: string;
  readonly upcoming: readonly SessionSummary[];
  /** Upcoming classes the member got a seat in from the waiting line. */
  readonly promotions: readonly SessionSummary[];
}
