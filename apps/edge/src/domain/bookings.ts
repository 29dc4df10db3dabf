import type { Booking, ClassSessionDoc, DocumentId, WaitlistEntry } from '@gymedge/crdt-schema';
import { bookingWindow, type ClassRules, isLateCancel } from './classes.ts';
import type { BookingRefusal } from './operations-types.ts';

export type { BookingRefusal } from './operations-types.ts';

/** Where a booking came from. */
export type BookingSource = Booking['source'];

/** What happened to a booking request. */
export type BookDecision =
  | { readonly kind: 'booked'; readonly key: string; readonly patch: Pick<ClassSessionDoc, 'bookings'> }
  | {
      readonly kind: 'waitlisted';
      readonly key: string;
      /** 1 = next in line. */
      readonly position: number;
      readonly patch: Pick<ClassSessionDoc, 'waitlist'>;
    }
  | { readonly kind: 'refused'; readonly reason: BookingRefusal; readonly detail: string };

/** The booking request, with the clock and the new entry's key given (pure: no randomness inside). */
export interface BookRequest {
  readonly memberId: DocumentId<'member'>;
  readonly now: string;
  readonly key: string;
  readonly source: BookingSource;
  /** Join the waitlist when full (default true); false refuses with `full`. */
  readonly waitlist?: boolean;
}

type Keyed<T> = { readonly key: string } & T;

/** Bookings holding a seat (booked or attended), oldest first. */
export function seatHolders(session: ClassSessionDoc): Keyed<Booking>[] {
  return Object.entries(session.bookings)
    .filter(([, booking]) => booking.status === 'booked' || booking.status === 'attended')
    .map(([key, booking]) => ({ key, ...booking }))
    .sort((a, b) => a.bookedAt.localeCompare(b.bookedAt) || a.key.localeCompare(b.key));
}

/** The waiting line in order: who joined first is promoted first (ties broken by key). */
export function waitingLine(session: ClassSessionDoc): Keyed<WaitlistEntry>[] {
  return Object.entries(session.waitlist)
    .filter(([, entry]) => entry.status === 'waiting')
    .map(([key, entry]) => ({ key, ...entry }))
    .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.key.localeCompare(b.key));
}

/** Free seats now. */
export function seatsLeft(session: ClassSessionDoc): number {
  return Math.max(0, session.capacity - seatHolders(session).length);
}

/** The member's place in the waiting line (1-based), or undefined when not waiting. */
export function waitlistPosition(session: ClassSessionDoc, memberId: string): number | undefined {
  const index = waitingLine(session).findIndex((entry) => entry.memberId === memberId);
  return index < 0 ? undefined : index + 1;
}

/** The member's seat in the session, if any. */
export function bookingOf(session: ClassSessionDoc, memberId: string): Keyed<Booking> | undefined {
  return seatHolders(session).find((booking) => booking.memberId === memberId);
}

/**
 * Decides a booking against the session as it is now: a seat while one is free, else the waiting
 * line. Never two seats or two places in line for one member. The caller checks credits and plan
 * before (they live in other documents) and writes `patch` in the same synchronous step as it read
 * the session, so concurrent requests are decided one after another on the latest state.
 */
export function decideBook(session: ClassSessionDoc, rules: ClassRules, request: BookRequest): BookDecision {
  if (session.status === 'cancelled')
    return { kind: 'refused', reason: 'session_cancelled', detail: 'This class was cancelled.' };
  const window = bookingWindow(session, rules);
  if (request.now >= window.closesAt || session.status === 'completed')
    return { kind: 'refused', reason: 'session_started', detail: 'Booking for this class has closed.' };
  if (request.now < window.opensAt)
    return {
      kind: 'refused',
      reason: 'not_open_yet',
      detail: `Booking opens ${rules.bookingOpensHours} hours before the class (${window.opensAt}).`,
    };
  if (bookingOf(session, request.memberId))
    return { kind: 'refused', reason: 'already_booked', detail: 'You already have a place in this class.' };
  const position = waitlistPosition(session, request.memberId);
  if (position !== undefined)
    return {
      kind: 'refused',
      reason: 'already_waitlisted',
      detail: `You are already number ${position} on the waiting list.`,
    };
  if (seatsLeft(session) > 0) {
    return {
      kind: 'booked',
      key: request.key,
      patch: {
        bookings: {
          [request.key]: {
            memberId: request.memberId,
            status: 'booked',
            bookedAt: request.now,
            source: request.source,
          },
        },
      },
    };
  }
  if (request.waitlist === false) return { kind: 'refused', reason: 'full', detail: 'This class is full.' };
  return {
    kind: 'waitlisted',
    key: request.key,
    position: waitingLine(session).length + 1,
    patch: {
      waitlist: { [request.key]: { memberId: request.memberId, joinedAt: request.now, status: 'waiting' } },
    },
  };
}

/** A member moved from the waiting line into a seat. */
export interface Promotion {
  readonly memberId: string;
  /** The key of their waitlist entry, reused for their booking. */
  readonly key: string;
}

type SessionPatch = {
  bookings?: Record<string, Partial<Booking> & Pick<Booking, 'status'>>;
  waitlist?: Record<string, Partial<WaitlistEntry> & Pick<WaitlistEntry, 'status'>>;
};

/**
 * Fills free seats from the waiting line, in order. `mayTakeSeat` (credits, plan) is asked for each
 * candidate; one who may not is skipped and left waiting. Returns the promotions and the patch.
 */
export function promote(
  session: ClassSessionDoc,
  freeSeats: number,
  now: string,
  mayTakeSeat: (memberId: string) => boolean = () => true,
): { promotions: Promotion[]; patch: SessionPatch } {
  const promotions: Promotion[] = [];
  const patch: Required<SessionPatch> = { bookings: {}, waitlist: {} };
  for (const entry of waitingLine(session)) {
    if (promotions.length >= freeSeats) break;
    if (!mayTakeSeat(entry.memberId)) continue;
    promotions.push({ memberId: entry.memberId, key: entry.key });
    patch.waitlist[entry.key] = { status: 'promoted' };
    patch.bookings[entry.key] = { memberId: entry.memberId, status: 'booked', bookedAt: now, source: 'app' };
  }
  return { promotions, patch: promotions.length > 0 ? patch : {} };
}

/** What happened to a cancellation. */
export type CancelDecision =
  | {
      readonly kind: 'cancelled';
      readonly key: string;
      /** Inside the late-cancel hours: the credit is kept by the gym. */
      readonly late: boolean;
      readonly promotions: readonly Promotion[];
      readonly patch: SessionPatch;
    }
  | { readonly kind: 'left_waitlist'; readonly key: string; readonly patch: SessionPatch }
  | { readonly kind: 'refused'; readonly reason: 'not_booked' | 'session_started'; readonly detail: string };

/**
 * Cancels the member's seat (or their place in line). A freed seat goes to the first in line at once
 * (within the same write). Before the start only.
 */
export function decideCancel(
  session: ClassSessionDoc,
  rules: ClassRules,
  request: { memberId: string; now: string },
  mayTakeSeat?: (memberId: string) => boolean,
): CancelDecision {
  if (request.now >= session.startsAt)
    return {
      kind: 'refused',
      reason: 'session_started',
      detail: 'The class has started; it can no longer be cancelled.',
    };
  const booking = bookingOf(session, request.memberId);
  if (booking === undefined) {
    const waiting = waitingLine(session).find((entry) => entry.memberId === request.memberId);
    if (waiting === undefined)
      return { kind: 'refused', reason: 'not_booked', detail: 'You have no place in this class.' };
    return {
      kind: 'left_waitlist',
      key: waiting.key,
      patch: { waitlist: { [waiting.key]: { status: 'left' } } },
    };
  }
  const after: ClassSessionDoc = {
    ...session,
    bookings: {
      ...session.bookings,
      [booking.key]: { ...booking, status: 'cancelled', cancelledAt: request.now },
    },
  };
  const { promotions, patch } = promote(after, seatsLeft(after), request.now, mayTakeSeat);
  return {
    kind: 'cancelled',
    key: booking.key,
    late: isLateCancel(session, request.now, rules),
    promotions,
    patch: {
      bookings: { ...patch.bookings, [booking.key]: { status: 'cancelled', cancelledAt: request.now } },
      ...(patch.waitlist ? { waitlist: patch.waitlist } : {}),
    },
  };
}

/** Marks attendance at the roster: attended or no-show. */
export function attendancePatch(
  session: ClassSessionDoc,
  memberId: string,
  attended: boolean,
): { key: string; patch: SessionPatch } | undefined {
  const entry = Object.entries(session.bookings).find(
    ([, booking]) => booking.memberId === memberId && booking.status !== 'cancelled',
  );
  if (entry === undefined) return undefined;
  return {
    key: entry[0],
    patch: { bookings: { [entry[0]]: { status: attended ? 'attended' : 'no_show' } } },
  };
}

/** After a session ended: every seat still `booked` (nobody marked them) becomes a no-show. */
export function closeSessionPatch(session: ClassSessionDoc, now: string): SessionPatch | undefined {
  if (now < session.endsAt) return undefined;
  const bookings: Record<string, { status: 'no_show' }> = {};
  for (const [key, booking] of Object.entries(session.bookings))
    if (booking.status === 'booked') bookings[key] = { status: 'no_show' };
  return Object.keys(bookings).length > 0 ? { bookings } : undefined;
}
