import type { DirectoryMembership } from '@gymedge/crdt-schema';
import { describe, expect, it } from 'vitest';
import { decideCheckIn } from '../domain/checkin.ts';
import { directoryLookupHash, directoryLookupKey, directoryMembershipState } from './member-directory.ts';

const DAY = '2026-12-01';
const base: DirectoryMembership = {
  planId: 'plan:01JD8Q6W0C5V3T2YH4N8K9M7PA' as DirectoryMembership['planId'],
  planName: 'Rede Livre',
  access: 'all',
  status: 'active',
  startDate: '2026-11-01',
  endDate: '2026-11-30',
  graceDays: 5,
};

/** The decision at rj-copacabana for a member of sp-paulista holding `m`. */
function atOtherUnit(m: Partial<DirectoryMembership>) {
  const membership = directoryMembershipState(
    'membership:01JD8Q6W0C5V3T2YH4N8K9M7PB',
    { ...base, ...m },
    'sp-paulista',
    DAY,
  );
  return decideCheckIn({
    unitId: 'rj-copacabana',
    memberStatus: 'active',
    memberships: [membership],
    localDate: DAY,
    localTime: '10:00',
    weekday: 1,
  });
}

describe('a visitor’s memberships from the directory, decided at another unit', () => {
  it('lets in a running chain-wide plan, and one overdue within its grace days', () => {
    expect(atOtherUnit({ endDate: '2026-12-31' })).toMatchObject({ allowed: true, planName: 'Rede Livre' });
    expect(atOtherUnit({ endDate: '2026-12-31', unpaidSince: '2026-11-28' })).toMatchObject({
      allowed: true,
      inGrace: '2026-12-03',
    });
  });

  it('refuses by the same rules as at home: overdue past grace, frozen, ended, home-only', () => {
    expect(atOtherUnit({ endDate: '2026-12-31', unpaidSince: '2026-11-20' })).toMatchObject({
      allowed: false,
      reason: 'overdue',
      since: '2026-11-20',
    });
    expect(
      atOtherUnit({ endDate: '2026-12-31', freezes: { f1: { from: '2026-11-30', until: '2026-12-10' } } }),
    ).toMatchObject({ allowed: false, reason: 'frozen', until: '2026-12-10' });
    expect(atOtherUnit({ endDate: '2026-11-30' })).toMatchObject({
      allowed: false,
      reason: 'no_active_plan',
    });
    expect(atOtherUnit({ endDate: '2026-12-31', access: 'home' })).toMatchObject({
      allowed: false,
      reason: 'wrong_unit',
    });
  });

  it('looks members up by a hash that depends on the unit’s link key and ignores CPF punctuation', () => {
    const a = directoryLookupKey(Buffer.alloc(32, 1));
    const b = directoryLookupKey(Buffer.alloc(32, 2));
    expect(directoryLookupHash(a, 'document', '529.982.247-25')).toBe(
      directoryLookupHash(a, 'document', '52998224725'),
    );
    expect(directoryLookupHash(a, 'document', '52998224725')).not.toBe(
      directoryLookupHash(b, 'document', '52998224725'),
    );
    expect(directoryLookupHash(a, 'document', '52998224725')).not.toContain('52998224725');
  });
});
