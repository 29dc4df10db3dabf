import { z } from 'zod';
import { docIdOf, envelope, IsoInstant, Label, TimeZone } from '../common.ts';

export const BookingStatus = z.enum(['booked', 'cancelled', 'attended', 'no_show']);

/** A member's place in a session. Keyed by booking id inside the session, so concurrent bookings merge. */
export const Booking = z.strictObject({
  memberId: docIdOf('member'),
  status: BookingStatus,
  bookedAt: IsoInstant,
  cancelledAt: IsoInstant.optional(),
  source: z.enum(['kiosk', 'staff', 'app', 'assistant', 'import']),
});
export type Booking = z.infer<typeof Booking>;

/** A member waiting for a place; promoted to a booking in `joinedAt` order when a place frees up. */
export const WaitlistEntry = z.strictObject({
  memberId: docIdOf('member'),
  joinedAt: IsoInstant,
  status: z.enum(['waiting', 'promoted', 'left']),
});
export type WaitlistEntry = z.infer<typeof WaitlistEntry>;

const EntryKey = z.string().regex(/^[0-9A-Za-z_-]{6,64}$/, 'an entry key is a short id');

/**
 * One occurrence of a class at a unit. Bookings and the waitlist live inside it: the capacity rule
 * needs the whole session, which is the aggregate.
 */
export const ClassSessionDoc = z.strictObject({
  ...envelope('classSession', 1),
  classTypeId: docIdOf('classType'),
  title: Label(80),
  startsAt: IsoInstant,
  endsAt: IsoInstant,
  timeZone: TimeZone,
  room: Label(60).optional(),
  trainerId: docIdOf('staff').optional(),
  capacity: z.number().int().min(1).max(500),
  status: z.enum(['scheduled', 'cancelled', 'completed']),
  bookings: z.record(EntryKey, Booking),
  waitlist: z.record(EntryKey, WaitlistEntry),
});
export type ClassSessionDoc = z.infer<typeof ClassSessionDoc>;
