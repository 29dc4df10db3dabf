import { z } from 'zod';
import { docIdOf, IsoDate, IsoInstant, UnitId } from '../common.ts';

/**
 * A member passing the front desk or the turnstile: an immutable fact, not a document. Check-ins
 * arrive at hundreds a day per unit and are never edited, so they are kept as append-only records
 * with idempotent ids (the same record delivered twice is stored once) and shipped to HQ in batches,
 * like occupancy samples. Measured here: 185,000 check-ins of a year written as Automerge day
 * documents took 150 s and 1.1 GB; as rows they take about a second.
 */
export const CheckInRecord = z.strictObject({
  /** Idempotent id, unique in the chain (`<unit>:<local date>:<member>:<n>` or any stable key). */
  id: z.string().regex(/^[0-9A-Za-z:_.-]{6,120}$/, 'a check-in id is a short stable key'),
  unitId: UnitId,
  memberId: docIdOf('member'),
  at: IsoInstant,
  /** The unit's local date of `at` (what "today's check-ins" means at the desk). */
  localDate: IsoDate,
  method: z.enum(['qr', 'card', 'document', 'manual', 'import']),
  /** The member's home unit, when it is not this one (a visit from another unit of the chain). */
  homeUnitId: UnitId.optional(),
  membershipId: docIdOf('membership').optional(),
  /** Set when the desk refused entry, with the reason shown to the clerk. */
  denied: z.enum(['no_active_membership', 'frozen', 'payment_overdue', 'wrong_unit']).optional(),
  staffId: docIdOf('staff').optional(),
});
export type CheckInRecord = z.infer<typeof CheckInRecord>;
