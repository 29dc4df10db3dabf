import { z } from 'zod';
import { Cents, docIdOf, envelope, IsoDate, IsoInstant, Note } from '../common.ts';

export const MembershipStatus = z.enum(['active', 'frozen', 'cancelled', 'expired']);

/** A member's subscription to a plan, at the price agreed when it was sold. */
export const MembershipDoc = z.strictObject({
  ...envelope('membership', 1),
  memberId: docIdOf('member'),
  planId: docIdOf('plan'),
  status: MembershipStatus,
  startDate: IsoDate,
  endDate: IsoDate.optional(),
  priceCents: Cents,
  autoRenew: z.boolean(),
  frozenUntil: IsoDate.optional(),
  cancelledAt: IsoInstant.optional(),
  cancelReason: Note(500).optional(),
});
export type MembershipDoc = z.infer<typeof MembershipDoc>;
