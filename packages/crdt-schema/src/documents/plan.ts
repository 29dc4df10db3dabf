import { z } from 'zod';
import { Cents, Currency, envelope, Label, Note } from '../common.ts';

export const BillingPeriod = z.enum(['monthly', 'quarterly', 'semiannual', 'annual']);
export type BillingPeriod = z.infer<typeof BillingPeriod>;
export const BILLING_MONTHS: Record<BillingPeriod, number> = {
  monthly: 1,
  quarterly: 3,
  semiannual: 6,
  annual: 12,
};

/** A plan of the chain's catalogue (chain-wide). */
export const PlanDoc = z.strictObject({
  ...envelope('plan', 1),
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
});
export type PlanDoc = z.infer<typeof PlanDoc>;
