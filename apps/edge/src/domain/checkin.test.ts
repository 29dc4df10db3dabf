import { createHmac } from 'node:crypto';
import type { EquipmentDoc } from '@gymedge/crdt-schema';
import { describe, expect, it } from 'vitest';
import {
  type CheckInFacts,
  type CheckInMembership,
  decideCheckIn,
  keyringOf,
  LOCAL_QR_KEY_ID,
  memberQr,
  readMemberQr,
  recordedDenial,
} from './checkin.ts';
import { maintenanceHistory, maintenancePatch, serviceDue } from './equipment.ts';
import { exportCsv, exportJson } from './lgpd.ts';

const key = new Uint8Array(32).fill(7);
const memberId = 'member:01JD8Q6W0C5V3T2YH4N8K9M7PA';
const chain = keyringOf([{ id: 'k1', key }]);

describe('member QR codes', () => {
  it('round-trips, and refuses forged or foreign codes', () => {
    const qr = memberQr(chain, 'sp-paulista', memberId);
    expect(qr).toMatch(/^GE2\.k1\.sp-paulista\.01JD8Q6W0C5V3T2YH4N8K9M7PA\.[A-Za-z0-9_-]{22}$/);
    expect(readMemberQr(chain, qr)).toEqual({ ok: true, unitId: 'sp-paulista', memberId, keyId: 'k1' });
    const otherKey = keyringOf([{ id: 'k1', key: new Uint8Array(32).fill(8) }]);
    expect(readMemberQr(otherKey, qr)).toEqual({ ok: false, reason: 'forged' });
    const otherMember = qr.replace('M7PA', 'M7PB');
    expect(readMemberQr(chain, otherMember)).toEqual({ ok: false, reason: 'forged' });
    expect(readMemberQr(chain, qr.replace('sp-paulista', 'rj-copacabana'))).toEqual({
      ok: false,
      reason: 'forged',
    });
    // The key id is signed too: the same signature under another id is not accepted.
    const twoKeys = keyringOf([
      { id: 'k2', key },
      { id: 'k1', key },
    ]);
    expect(readMemberQr(twoKeys, qr.replace('GE2.k1.', 'GE2.k2.'))).toEqual({ ok: false, reason: 'forged' });
    expect(readMemberQr(chain, 'https://example.com')).toEqual({ ok: false, reason: 'not_ours' });
  });

  it('signs with the newest key and still reads cards of the keys it keeps after a rotation', () => {
    const before = memberQr(chain, 'sp-paulista', memberId);
    const rotated = keyringOf([
      { id: 'k2', key: new Uint8Array(32).fill(9) },
      { id: 'k1', key },
    ]);
    const after = memberQr(rotated, 'sp-paulista', memberId);
    expect(after).toMatch(/^GE2\.k2\./);
    expect(readMemberQr(rotated, before)).toMatchObject({ ok: true, keyId: 'k1' });
    expect(readMemberQr(rotated, after)).toMatchObject({ ok: true, keyId: 'k2' });
    expect(readMemberQr(chain, after)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it("reads the first card format (GE1, the unit's own key) with the local key only", () => {
    const legacy = `GE1.sp-paulista.01JD8Q6W0C5V3T2YH4N8K9M7PA.${createHmac('sha256', key)
      .update(`GE1|sp-paulista|${memberId}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url')}`;
    expect(readMemberQr(keyringOf([{ id: LOCAL_QR_KEY_ID, key }]), legacy)).toMatchObject({ ok: true });
    expect(readMemberQr(chain, legacy)).toEqual({ ok: false, reason: 'unknown_key' });
    expect(() => keyringOf([])).toThrow(/at least one key/);
  });
});

describe('the check-in decision', () => {
  const active: CheckInMembership = {
    id: 'membership:1',
    planName: 'Mensal',
    unitId: 'sp-paulista',
    access: 'home',
    status: { state: 'active', mayEnter: true },
  };
  const facts = (extra: Partial<CheckInFacts> = {}): CheckInFacts => ({
    unitId: 'sp-paulista',
    memberStatus: 'active',
    memberships: [active],
    openingHours: { mon: { opens: '06:00', closes: '23:00' } },
    localDate: '2026-11-23',
    localTime: '07:05',
    weekday: 0,
    ...extra,
  });

  it('lets an active member in on their plan', () => {
    expect(decideCheckIn(facts())).toEqual({
      allowed: true,
      membershipId: 'membership:1',
      planName: 'Mensal',
    });
  });

  it('gives the reason a person understands', () => {
    expect(decideCheckIn(facts({ localTime: '05:30' }))).toMatchObject({
      allowed: false,
      reason: 'closed',
      until: '06:00',
    });
    expect(decideCheckIn(facts({ weekday: 6 }))).toMatchObject({ reason: 'closed' });
    expect(decideCheckIn(facts({ memberships: [] }))).toMatchObject({ reason: 'no_active_plan' });
    expect(decideCheckIn(facts({ memberStatus: 'inactive' }))).toMatchObject({ reason: 'member_inactive' });
    expect(decideCheckIn(facts({ lastCheckInAt: '2026-11-23T10:01:00.000Z' }))).toMatchObject({
      reason: 'already_inside',
    });
    expect(decideCheckIn(facts({ memberships: [{ ...active, unitId: 'rj-copacabana' }] }))).toMatchObject({
      reason: 'wrong_unit',
    });
    const overdue = {
      ...active,
      status: { state: 'overdue' as const, mayEnter: false, overdueSince: '2026-11-10' },
    };
    expect(decideCheckIn(facts({ memberships: [overdue] }))).toMatchObject({
      reason: 'overdue',
      since: '2026-11-10',
    });
    const frozen = {
      ...active,
      status: { state: 'frozen' as const, mayEnter: false, frozenUntil: '2026-11-30' },
    };
    expect(decideCheckIn(facts({ memberships: [frozen] }))).toMatchObject({
      reason: 'frozen',
      until: '2026-11-30',
    });
  });

  it('lets an overdue member in during the grace days (saying so), and a chain-wide plan anywhere', () => {
    const grace = {
      ...active,
      status: { state: 'overdue' as const, mayEnter: true, graceEndsOn: '2026-11-25' },
    };
    expect(decideCheckIn(facts({ memberships: [grace] }))).toMatchObject({
      allowed: true,
      inGrace: '2026-11-25',
    });
    expect(decideCheckIn(facts({ memberships: [grace, { ...active, id: 'membership:2' }] }))).toMatchObject({
      membershipId: 'membership:2',
    });
    const anywhere = { ...active, unitId: 'rj-copacabana', access: 'all' as const };
    expect(decideCheckIn(facts({ memberships: [anywhere] }))).toMatchObject({ allowed: true });
    expect(decideCheckIn(facts({ openingHours: undefined, localTime: '03:00' })).allowed).toBe(true);
  });

  it('maps refusals onto the check-in record reasons', () => {
    expect(recordedDenial('overdue')).toBe('payment_overdue');
    expect(recordedDenial('closed')).toBeUndefined();
  });
});

describe('equipment maintenance', () => {
  const bike: EquipmentDoc = {
    id: 'equipment:01JD8Q6W0C5V3T2YH4N8K9M7PA' as EquipmentDoc['id'],
    type: 'equipment',
    schemaVersion: 2,
    unitId: 'sp-paulista',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    name: 'Bike 3',
    kind: 'bike',
    status: 'ok',
  };
  it('a fault takes the machine out of order; a repair brings it back and counts as service', () => {
    const fault = maintenancePatch(
      bike,
      { at: '2026-11-20T10:00:00.000Z', kind: 'fault_reported', note: 'pedal solto' },
      'm00001',
    );
    expect(fault.status).toBe('out_of_order');
    const broken = { ...bike, ...fault };
    const repair = maintenancePatch(broken, { at: '2026-11-21T15:00:00.000Z', kind: 'repair' }, 'm00002');
    const fixed = { ...broken, ...repair, maintenance: { ...broken.maintenance, ...repair.maintenance } };
    expect(fixed.status).toBe('ok');
    expect(fixed.lastServiceOn).toBe('2026-11-21');
    expect(maintenanceHistory(fixed).map((entry) => entry.kind)).toEqual(['repair', 'fault_reported']);
    expect(serviceDue(fixed, '2026-12-01')).toBe(false);
    expect(serviceDue(fixed, '2027-02-19')).toBe(true);
    expect(serviceDue(bike, '2026-12-01')).toBe(true);
  });
});

describe('LGPD export', () => {
  const bundle = {
    exportedAt: '2026-11-25T13:00:00.000Z',
    unitId: 'sp-paulista',
    member: { id: memberId, name: 'Ana "Aninha" Souza', email: 'ana@example.com' },
    memberships: [{ id: 'membership:1', plan: 'Mensal' }],
    payments: [{ id: 'payment:1', amountCents: 12990, service: '=HYPERLINK("x")' }],
    bookings: [],
    checkins: [{ at: '2026-11-24T10:00:00.000Z' }],
  };
  it('JSON holds every section; CSV one quoted row per fact, formulas neutralised', () => {
    expect(JSON.parse(exportJson(bundle))).toMatchObject({
      member: { name: 'Ana "Aninha" Souza' },
      payments: [{ amountCents: 12990 }],
    });
    const csv = exportCsv(bundle).trim().split('\r\n');
    expect(csv[0]).toBe('"section","record","field","value"');
    expect(csv).toContain('"member","1","name","Ana ""Aninha"" Souza"');
    expect(csv).toContain('"payment","1","service","\'=HYPERLINK(""x"")"');
    expect(csv.filter((row) => row.startsWith('"checkin"'))).toHaveLength(1);
  });
});
