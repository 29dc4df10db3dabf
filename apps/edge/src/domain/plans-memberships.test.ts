import type { MembershipDoc, PlanDoc } from '@gymedge/crdt-schema';
import { describe, expect, it } from 'vitest';
import { addMonths } from './calendar.ts';
import { creditsLeft, membershipState, planFreeze, renewal, termStart } from './memberships.ts';
import { planTerms, saleCharges, soldAt, termEnd } from './plans.ts';

const at = '2026-11-01T12:00:00.000Z';
const plan = (extra: Partial<PlanDoc> = {}): PlanDoc => ({
  id: 'plan:01JD8Q6W0C5V3T2YH4N8K9M7PA' as PlanDoc['id'],
  type: 'plan',
  schemaVersion: 2,
  unitId: 'chain',
  createdAt: at,
  updatedAt: at,
  name: 'Mensal',
  priceCents: 12990,
  currency: 'BRL',
  billingPeriod: 'monthly',
  access: 'home',
  active: true,
  ...extra,
});
const membership = (extra: Partial<MembershipDoc> = {}): MembershipDoc => ({
  id: 'membership:01JD8Q6W0C5V3T2YH4N8K9M7PB' as MembershipDoc['id'],
  type: 'membership',
  schemaVersion: 2,
  unitId: 'sp-paulista',
  createdAt: at,
  updatedAt: at,
  memberId: 'member:01JD8Q6W0C5V3T2YH4N8K9M7PC' as MembershipDoc['memberId'],
  planId: 'plan:01JD8Q6W0C5V3T2YH4N8K9M7PA' as MembershipDoc['planId'],
  status: 'active',
  startDate: '2026-11-01',
  endDate: '2026-11-30',
  priceCents: 12990,
  autoRenew: true,
  ...extra,
});

describe('plans', () => {
  it('monthly, quarterly and annual terms end the day before the same date months later', () => {
    expect(termEnd('2026-11-01', planTerms(plan()))).toBe('2026-11-30');
    expect(termEnd('2026-01-31', planTerms(plan()))).toBe('2026-02-27');
    expect(termEnd('2026-11-15', planTerms(plan({ billingPeriod: 'quarterly' })))).toBe('2027-02-14');
    expect(termEnd('2026-11-15', planTerms(plan({ billingPeriod: 'annual' })))).toBe('2027-11-14');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
  });

  it('a class pack has credits and lasts its validity days', () => {
    const pack = planTerms(
      plan({ kind: 'class_pack', classCredits: 10, validityDays: 60, name: 'Pacote 10 aulas' }),
    );
    expect(pack.credits).toBe(10);
    expect(termEnd('2026-11-01', pack)).toBe('2026-12-30');
  });

  it('charges the enrolment fee with the first term, in cents', () => {
    expect(saleCharges(plan({ enrolmentFeeCents: 5000 }), '2026-11-03')).toEqual([
      { service: 'Matrícula', amountCents: 5000, dueDate: '2026-11-03' },
      { service: 'Mensal', amountCents: 12990, dueDate: '2026-11-03' },
    ]);
    expect(saleCharges(plan(), '2026-11-03')).toHaveLength(1);
  });

  it('is sold at every unit unless it lists them; v1 plans get the v1 defaults', () => {
    expect(soldAt(planTerms(plan()), 'rj-copacabana')).toBe(true);
    const listed = planTerms(plan({ unitIds: ['sp-paulista'] }));
    expect(soldAt(listed, 'sp-paulista')).toBe(true);
    expect(soldAt(listed, 'rj-copacabana')).toBe(false);
    expect(planTerms(plan())).toMatchObject({ kind: 'recurring', enrolmentFeeCents: 0, graceDays: 5 });
    expect(planTerms(plan()).freeze).toBeUndefined();
  });
});

describe('membership state', () => {
  const terms = planTerms(plan({ graceDays: 3 }));
  it('is active, not started, or expired by its dates', () => {
    expect(membershipState(membership(), terms, [], '2026-11-10').state).toBe('active');
    expect(membershipState(membership(), terms, [], '2026-10-31')).toMatchObject({
      state: 'not_started',
      mayEnter: false,
    });
    expect(membershipState(membership(), terms, [], '2026-12-01')).toMatchObject({
      state: 'expired',
      mayEnter: false,
    });
  });

  it('is overdue after an unpaid due date, and lets the member in only during the grace days', () => {
    const open = [{ dueDate: '2026-11-05', amountCents: 12990 }];
    expect(membershipState(membership(), terms, open, '2026-11-05').state).toBe('active');
    expect(membershipState(membership(), terms, open, '2026-11-08')).toMatchObject({
      state: 'overdue',
      mayEnter: true,
      overdueSince: '2026-11-05',
      graceEndsOn: '2026-11-08',
    });
    expect(membershipState(membership(), terms, open, '2026-11-09')).toMatchObject({
      state: 'overdue',
      mayEnter: false,
    });
  });

  it('a cancelled membership runs to the end of the paid term, then is cancelled', () => {
    const cancelled = membership({ status: 'cancelled', cancelledAt: at });
    expect(membershipState(cancelled, terms, [], '2026-11-20').mayEnter).toBe(true);
    expect(membershipState(cancelled, terms, [], '2026-12-02').state).toBe('cancelled');
    expect(
      membershipState(membership({ status: 'cancelled', endDate: undefined }), terms, [], '2026-11-20').state,
    ).toBe('cancelled');
  });

  it('is frozen during a freeze', () => {
    const m = membership({
      freezes: { freeze01: { from: '2026-11-10', until: '2026-11-16', requestedAt: at } },
    });
    expect(membershipState(m, terms, [], '2026-11-12')).toMatchObject({
      state: 'frozen',
      frozenUntil: '2026-11-16',
    });
    expect(membershipState(m, terms, [], '2026-11-17').state).toBe('active');
  });

  it('renews a recurring membership for one more term, never a pack', () => {
    expect(renewal(membership(), terms)).toEqual({ endDate: '2026-12-31', status: 'active' });
    expect(renewal(membership(), planTerms(plan({ kind: 'class_pack', classCredits: 5 })))).toBeUndefined();
  });
});

describe('freezes', () => {
  const terms = planTerms(
    plan({ billingPeriod: 'quarterly', freeze: { maxTimes: 2, maxDays: 20, minDays: 7 } }),
  );
  const m = membership({ endDate: '2027-01-31' });
  const ask = (from: string, until: string, key = 'freeze01', base = m) =>
    planFreeze(base, terms, { from, until, key, at }, '2026-11-05');

  it('records the freeze and moves the end date by its days', () => {
    const decision = ask('2026-11-10', '2026-11-16');
    expect(decision).toMatchObject({ ok: true, days: 7, patch: { endDate: '2027-02-07' } });
  });

  it('refuses what the plan does not allow, saying why', () => {
    expect(ask('2026-11-10', '2026-11-12')).toMatchObject({ ok: false, reason: 'too_short' });
    expect(ask('2026-11-01', '2026-11-12')).toMatchObject({ ok: false, reason: 'starts_in_past' });
    expect(ask('2026-11-12', '2026-11-10')).toMatchObject({ ok: false, reason: 'dates_invalid' });
    expect(
      planFreeze(
        m,
        planTerms(plan()),
        { from: '2026-11-10', until: '2026-11-20', key: 'k00001', at },
        '2026-11-05',
      ),
    ).toMatchObject({ ok: false, reason: 'plan_has_no_freezes' });
    const once = membership({
      endDate: '2027-01-31',
      freezes: { first1: { from: '2026-11-10', until: '2026-11-23', requestedAt: at } },
    });
    expect(ask('2026-11-20', '2026-11-27', 'second', once)).toMatchObject({ ok: false, reason: 'overlaps' });
    expect(ask('2026-12-01', '2026-12-07', 'second', once)).toMatchObject({
      ok: false,
      reason: 'too_many_days',
    });
    const twice = membership({
      endDate: '2027-01-31',
      freezes: {
        first1: { from: '2026-11-10', until: '2026-11-16', requestedAt: at },
        second: { from: '2026-11-20', until: '2026-11-26', requestedAt: at },
      },
    });
    expect(ask('2026-12-10', '2026-12-16', 'third1', twice)).toMatchObject({
      ok: false,
      reason: 'too_many_freezes',
    });
  });
});

describe('class credits', () => {
  it('counts uses in the current term only; a pack counts over its whole validity', () => {
    const terms = planTerms(plan({ classCredits: 8 }));
    const m = membership({
      startDate: '2026-10-01',
      endDate: '2026-12-31',
      creditsPerTerm: 8,
      creditsUsed: {
        oldone: { sessionId: 'classSession:01JD8Q6W0C5V3T2YH4N8K9M7PD' as never, term: '2026-10-01', at },
        newone: { sessionId: 'classSession:01JD8Q6W0C5V3T2YH4N8K9M7PE' as never, term: '2026-11-01', at },
      },
    });
    expect(termStart(m, terms, '2026-11-15')).toBe('2026-11-01');
    expect(creditsLeft(m, terms, '2026-11-15')).toBe(7);
    expect(creditsLeft(m, terms, '2026-12-15')).toBe(8);
    expect(creditsLeft(membership(), planTerms(plan()), '2026-11-15')).toBeUndefined();
    const pack = planTerms(plan({ kind: 'class_pack', classCredits: 2 }));
    const packed = membership({
      startDate: '2026-10-01',
      endDate: '2026-12-29',
      creditsUsed: {
        first1: { sessionId: 'classSession:01JD8Q6W0C5V3T2YH4N8K9M7PD' as never, term: '2026-10-01', at },
        second: { sessionId: 'classSession:01JD8Q6W0C5V3T2YH4N8K9M7PE' as never, term: '2026-10-01', at },
      },
    });
    expect(termStart(packed, pack, '2026-12-15')).toBe('2026-10-01');
    expect(creditsLeft(packed, pack, '2026-12-15')).toBe(0);
  });
});
