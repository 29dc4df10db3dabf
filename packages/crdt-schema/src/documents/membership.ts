import { z } from 'zod';
import { Cents, docIdOf, envelope, IsoDate, IsoInstant, Note } from '../common.ts';

export const MembershipStatus = z.enum(['active', 'frozen', 'cancelled', 'expired']);

const EntryKey = z.string().regex(/^[0-9A-Za-z_-]{6,64}$/, 'an entry key is a short id');

/** One freeze of a membership (v2): the member may not enter, and the end date moves by its days. */
export const MembershipFreeze = z.strictObject({
  from: IsoDate,
  until: IsoDate,
  requestedAt: IsoInstant,
});

/** One class credit spent (v2), keyed by the booking's key: refunding deletes the entry. */
export const CreditUse = z.strictObject({
  sessionId: docIdOf('classSession'),
  /** First day of the term the credit counts against. */
  term: IsoDate,
  at: IsoInstant,
});

/**
 * A member's subscription to a plan, at the price agreed when it was sold.
 * v2 adds the freezes taken and the class credits (total per term, uses keyed by booking).
 */
export const MembershipDoc = z.strictObject({
  ...envelope('membership', 2),
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
  freezes: z.record(EntryKey, MembershipFreeze).optional(),
  /** Class credits per term (a pack's total), copied from the plan when sold. */
  creditsPerTerm: z.number().int().min(0).max(10_000).optional(),
  creditsUsed: z.record(EntryKey, CreditUse).optional(),
});
export type MembershipDoc = z.infer<typeof MembershipDoc>;
