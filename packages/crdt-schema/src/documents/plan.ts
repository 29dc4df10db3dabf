import { z } from 'zod';
import { Cents, Currency, envelope, Label, Note, UnitId } from '../common.ts';

export const BillingPeriod = z.enum(['monthly', 'quarterly', 'semiannual', 'annual']);
export type BillingPeriod = z.infer<typeof BillingPeriod>;
export const BILLING_MONTHS: Record<BillingPeriod, number> = {
  monthly: 1,
  quarterly: 3,
  semiannual: 6,
  annual: 12,
};

/** How often and how long a membership of a plan may be frozen in one term (v2). */
export const FreezeRules = z.strictObject({
  /** Freezes allowed per term (a term is the billing period, or the pack's validity). */
  maxTimes: z.number().int().min(0).max(12),
  /** Total frozen days allowed per term. */
  maxDays: z.number().int().min(0).max(365),
  /** Shortest freeze, in days. */
  minDays: z.number().int().min(1).max(365),
});
export type FreezeRules = z.infer<typeof FreezeRules>;

/**
 * A plan of the chain's catalogue (chain-wide).
 * v2 adds class packs (`kind`, `validityDays`), the enrolment fee, grace days for a late payment,
 * freeze limits and the list of units a `home` plan is sold at; all optional (absent: recurring plan,
 * no fee, 5 grace days, no freezes, every unit).
 */
export const PlanDoc = z.strictObject({
  ...envelope('plan', 2),
  name: Label(80),
  description: Note(500).optional(),
  priceCents: Cents,
  currency: Currency,
  billingPeriod: BillingPeriod,
  /** Classes per billing period; absent means unlimited. */
  classCredits: z.number().int().min(0).optional(),
  /** `home`: only the member's unit; `all`: every unit of the chain. */
  access: z.enum(['home', 'all']),
  active: z.boolean(),
  /** `recurring`: billed every period; `class_pack`: N credits paid once, valid `validityDays`. */
  kind: z.enum(['recurring', 'class_pack']).optional(),
  validityDays: z.number().int().min(1).max(730).optional(),
  enrolmentFeeCents: Cents.optional(),
  /** Days after a due date before an unpaid membership stops letting the member in. */
  graceDays: z.number().int().min(0).max(60).optional(),
  freeze: FreezeRules.optional(),
  /** Units the plan is sold at (absent: all); with `access: home` the member enters only their unit. */
  unitIds: z.array(UnitId).max(200).optional(),
});
export type PlanDoc = z.infer<typeof PlanDoc>;
