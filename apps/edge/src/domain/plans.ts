import { BILLING_MONTHS, type FreezeRules, type PlanDoc } from '@gymedge/crdt-schema';
import { addDays, addMonths } from './calendar.ts';

/** Grace days when a plan does not say: a payment up to 5 days late still lets the member in. */
export const DEFAULT_GRACE_DAYS = 5;

/** What selling and honouring a plan means, with every default made explicit. */
export interface PlanTerms {
  readonly kind: 'recurring' | 'class_pack';
  /** Length of one term: the billing period for recurring plans. */
  readonly termMonths: number;
  /** For class packs: how many days the pack is valid. */
  readonly validityDays?: number;
  /** Class credits per term (a pack's total); undefined = unlimited classes. */
  readonly credits?: number;
  readonly priceCents: number;
  readonly enrolmentFeeCents: number;
  readonly graceDays: number;
  /** Undefined: the plan cannot be frozen. */
  readonly freeze?: FreezeRules;
  /** Units the plan is sold at; `all` for every unit. */
  readonly soldAt: 'all' | readonly string[];
  /** `home`: the member enters only their membership's unit; `all`: any unit of the chain. */
  readonly access: 'home' | 'all';
}

/** Reads a plan document (v1 or v2) into explicit terms. */
export function planTerms(plan: PlanDoc): PlanTerms {
  const kind = plan.kind ?? 'recurring';
  return {
    kind,
    termMonths: BILLING_MONTHS[plan.billingPeriod],
    ...(kind === 'class_pack' ? { validityDays: plan.validityDays ?? 90 } : {}),
    ...(plan.classCredits === undefined ? {} : { credits: plan.classCredits }),
    priceCents: plan.priceCents,
    enrolmentFeeCents: plan.enrolmentFeeCents ?? 0,
    graceDays: plan.graceDays ?? DEFAULT_GRACE_DAYS,
    ...(plan.freeze === undefined ? {} : { freeze: plan.freeze }),
    soldAt: plan.unitIds ?? 'all',
    access: plan.access,
  };
}

/** The last day a term starting on `start` covers (inclusive). */
export function termEnd(start: string, terms: PlanTerms): string {
  if (terms.kind === 'class_pack') return addDays(start, (terms.validityDays ?? 90) - 1);
  return addDays(addMonths(start, terms.termMonths), -1);
}

/** May this plan be sold at `unitId`? */
export function soldAt(terms: PlanTerms, unitId: string): boolean {
  return terms.soldAt === 'all' || terms.soldAt.includes(unitId);
}

/** One charge to create when a plan is sold. */
export interface SaleCharge {
  readonly service: string;
  readonly amountCents: number;
  readonly dueDate: string;
}

/**
 * What a new member pays when the plan is sold starting `start`: the enrolment fee (when there is one)
 * and the first term, both due on the start day. Pt-BR service names, as on a Brazilian receipt.
 */
export function saleCharges(plan: PlanDoc, start: string): SaleCharge[] {
  const terms = planTerms(plan);
  const charges: SaleCharge[] = [];
  if (terms.enrolmentFeeCents > 0)
    charges.push({ service: 'Matrícula', amountCents: terms.enrolmentFeeCents, dueDate: start });
  charges.push({ service: plan.name, amountCents: plan.priceCents, dueDate: start });
  return charges;
}

/** Monthly equivalent price, for comparing plans on a screen. */
export function monthlyEquivalentCents(terms: PlanTerms): number {
  return Math.round(terms.priceCents / Math.max(1, terms.termMonths));
}
