import type { MembershipDoc } from '@gymedge/crdt-schema';
import { addDays, addMonths, daysBetween } from './calendar.ts';
import { type PlanTerms, termEnd } from './plans.ts';

/** What a membership means today, as the desk and the member see it. */
export type MembershipState = 'active' | 'overdue' | 'frozen' | 'cancelled' | 'expired' | 'not_started';

/** A charge of the membership that is not paid yet. */
export interface OpenCharge {
  readonly dueDate?: string;
  readonly amountCents: number;
}

/** {@link membershipState}'s answer. */
export interface MembershipStatus {
  readonly state: MembershipState;
  /** May the member come in on this membership today? (Overdue: only within the grace days.) */
  readonly mayEnter: boolean;
  /** Oldest unpaid due date, when overdue. */
  readonly overdueSince?: string;
  /** Last day the member still enters while overdue. */
  readonly graceEndsOn?: string;
  /** Last frozen day, when frozen. */
  readonly frozenUntil?: string;
  readonly endDate?: string;
}

/** The freeze covering `today`, if any. */
export function activeFreeze(m: MembershipDoc, today: string): { from: string; until: string } | undefined {
  for (const freeze of Object.values(m.freezes ?? {})) {
    if (freeze.from <= today && today <= freeze.until) return freeze;
  }
  if (m.status === 'frozen' && m.frozenUntil !== undefined && today <= m.frozenUntil)
    return { from: m.startDate, until: m.frozenUntil };
  return undefined;
}

/**
 * The membership's state on `today` (the unit's local date):
 * not started → cancelled (after its end) → expired (after its end) → frozen → overdue (an unpaid
 * charge past its due date; the member still enters during the plan's grace days) → active.
 * A cancelled membership keeps working until the end of the term already paid for.
 */
export function membershipState(
  m: MembershipDoc,
  terms: PlanTerms,
  open: readonly OpenCharge[],
  today: string,
): MembershipStatus {
  const end = m.endDate === undefined ? {} : { endDate: m.endDate };
  if (today < m.startDate) return { state: 'not_started', mayEnter: false, ...end };
  const past = m.endDate !== undefined && today > m.endDate;
  if (m.status === 'cancelled' && (past || m.endDate === undefined))
    return { state: 'cancelled', mayEnter: false, ...end };
  if (past || m.status === 'expired') return { state: 'expired', mayEnter: false, ...end };
  const freeze = activeFreeze(m, today);
  if (freeze) return { state: 'frozen', mayEnter: false, frozenUntil: freeze.until, ...end };
  const due = open
    .map((charge) => charge.dueDate)
    .filter((date): date is string => date !== undefined && date < today)
    .sort()[0];
  if (due !== undefined) {
    const graceEndsOn = addDays(due, terms.graceDays);
    return { state: 'overdue', mayEnter: today <= graceEndsOn, overdueSince: due, graceEndsOn, ...end };
  }
  return { state: 'active', mayEnter: true, ...end };
}

/** First day of the term of `m` holding `today` (a pack has one term: its whole validity). */
export function termStart(m: MembershipDoc, terms: PlanTerms, today: string): string {
  if (terms.kind === 'class_pack' || today <= m.startDate) return m.startDate;
  let start = m.startDate;
  for (let k = 1; k < 1200; k++) {
    const next = addMonths(m.startDate, k * terms.termMonths);
    if (next > today) break;
    start = next;
  }
  return start;
}

/** Class credits left in the term holding `today`; undefined when classes are unlimited. */
export function creditsLeft(m: MembershipDoc, terms: PlanTerms, today: string): number | undefined {
  const perTerm = m.creditsPerTerm ?? terms.credits;
  if (perTerm === undefined) return undefined;
  const term = termStart(m, terms, today);
  const used = Object.values(m.creditsUsed ?? {}).filter((use) => use.term === term).length;
  return Math.max(0, perTerm - used);
}

/** Why a freeze is refused, in words a member understands (pt-BR and en in the screens). */
export type FreezeRefusal =
  | 'plan_has_no_freezes'
  | 'dates_invalid'
  | 'starts_in_past'
  | 'too_short'
  | 'too_many_freezes'
  | 'too_many_days'
  | 'overlaps'
  | 'membership_not_active';

/** {@link planFreeze}'s answer: the patch to write, or why not. */
export type FreezeDecision =
  | { readonly ok: true; readonly days: number; readonly patch: Pick<MembershipDoc, 'freezes' | 'endDate'> }
  | { readonly ok: false; readonly reason: FreezeRefusal; readonly detail: string };

/**
 * Checks a freeze from `from` to `until` (inclusive) against the plan's limits for the term it starts
 * in, and returns the patch: the freeze recorded under `key`, the end date pushed back by its days.
 */
export function planFreeze(
  m: MembershipDoc,
  terms: PlanTerms,
  request: { from: string; until: string; key: string; at: string },
  today: string,
): FreezeDecision {
  const rules = terms.freeze;
  if (rules === undefined || rules.maxTimes === 0)
    return { ok: false, reason: 'plan_has_no_freezes', detail: 'This plan cannot be frozen.' };
  if (m.status === 'cancelled' || m.status === 'expired' || (m.endDate !== undefined && today > m.endDate))
    return { ok: false, reason: 'membership_not_active', detail: 'Only a running membership can be frozen.' };
  if (request.until < request.from)
    return { ok: false, reason: 'dates_invalid', detail: 'The freeze must end on or after its first day.' };
  if (request.from < today)
    return { ok: false, reason: 'starts_in_past', detail: 'A freeze cannot start in the past.' };
  const days = daysBetween(request.from, request.until) + 1;
  if (days < rules.minDays)
    return { ok: false, reason: 'too_short', detail: `A freeze lasts at least ${rules.minDays} days.` };
  const term = termStart(m, terms, request.from);
  const termLast = termEnd(term, terms);
  const existing = Object.values(m.freezes ?? {});
  if (existing.some((f) => f.from <= request.until && request.from <= f.until))
    return { ok: false, reason: 'overlaps', detail: 'This freeze overlaps another one.' };
  const inTerm = existing.filter((f) => f.from >= term && f.from <= termLast);
  if (inTerm.length >= rules.maxTimes)
    return {
      ok: false,
      reason: 'too_many_freezes',
      detail: `This plan allows ${rules.maxTimes} freeze(s) per term; they are used.`,
    };
  const usedDays = inTerm.reduce((sum, f) => sum + daysBetween(f.from, f.until) + 1, 0);
  if (usedDays + days > rules.maxDays)
    return {
      ok: false,
      reason: 'too_many_days',
      detail: `This plan allows ${rules.maxDays} frozen days per term; ${rules.maxDays - usedDays} are left.`,
    };
  return {
    ok: true,
    days,
    patch: {
      freezes: { [request.key]: { from: request.from, until: request.until, requestedAt: request.at } },
      ...(m.endDate === undefined ? {} : { endDate: addDays(m.endDate, days) }),
    },
  };
}

/**
 * Renewing a recurring membership for one more term: the new end date, and the status back to active.
 * A class pack is not renewed: a new pack is sold.
 */
export function renewal(
  m: MembershipDoc,
  terms: PlanTerms,
): { endDate: string; status: 'active' } | undefined {
  if (terms.kind === 'class_pack') return undefined;
  const from = m.endDate === undefined ? m.startDate : addDays(m.endDate, 1);
  return { endDate: termEnd(from, terms), status: 'active' };
}
