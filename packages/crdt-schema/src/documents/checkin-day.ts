import { z } from 'zod';
import { docIdOf, envelope, IsoDate, IsoInstant, TimeZone, UnitId } from '../common.ts';

/** One member passing the front desk or the turnstile. */
export const CheckIn = z.strictObject({
  memberId: docIdOf('member'),
  at: IsoInstant,
  method: z.enum(['qr', 'card', 'document', 'manual', 'import']),
  /** The member's home unit, when it is not this one (a visit from another unit of the chain). */
  homeUnitId: UnitId.optional(),
  membershipId: docIdOf('membership').optional(),
  /** Set when the desk refused entry, with the reason shown to the clerk. */
  denied: z.enum(['no_active_membership', 'frozen', 'payment_overdue', 'wrong_unit']).optional(),
  staffId: docIdOf('staff').optional(),
});
export type CheckIn = z.infer<typeof CheckIn>;

/**
 * A unit's check-in book for one local day. Check-ins are immutable facts that arrive at hundreds a
 * day: one document per check-in would cost a document each, so the aggregate is the day's book
 * (id: deterministic from unit and date), with entries keyed by check-in id so that concurrent
 * check-ins merge.
 */
export const CheckinDayDoc = z.strictObject({
  ...envelope('checkinDay', 1),
  date: IsoDate,
  timeZone: TimeZone,
  entries: z.record(z.string().regex(/^[0-9A-Za-z_-]{6,64}$/), CheckIn),
});
export type CheckinDayDoc = z.infer<typeof CheckinDayDoc>;
