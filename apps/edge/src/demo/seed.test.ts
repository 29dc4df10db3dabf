import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../domain/time.ts';
import { tempUnit } from '../store/test-support.ts';
import type { UnitStore } from '../unit-store.ts';
import { type SeedSummary, seedDemoUnit } from './seed.ts';

const TODAY = '2026-11-25';
const TZ = 'America/Sao_Paulo';

describe('a seeded demo unit answers the front desk from its read models', () => {
  const t = tempUnit('sp-paulista');
  let unit: UnitStore;
  let summary: SeedSummary;
  beforeAll(async () => {
    unit = t.open();
    summary = await seedDemoUnit(unit, {
      unitId: 'sp-paulista',
      name: 'GymEdge Paulista',
      city: 'São Paulo',
      state: 'SP',
      timeZone: TZ,
      members: 150,
      seed: 42,
      months: 3,
      today: TODAY,
    });
  }, 120_000);
  afterAll(async () => {
    await unit.close();
    t.cleanup();
  });

  it('stores every generated record as a document or a check-in row, all valid', () => {
    expect(summary.members).toBe(150);
    expect(unit.store.stats().quarantined).toBe(0);
    const count = (type: string) => unit.store.idsOfType(type as never).length;
    expect(count('member')).toBe(150);
    expect(count('payment')).toBe(summary.payments);
    expect(count('classSession')).toBe(summary.sessions);
    expect(unit.db.prepare('SELECT count(*) AS n FROM checkins').get()).toEqual({ n: summary.checkins });
  });

  it("lists today's classes in local time, with their bookings counted", () => {
    const classes = unit.operations.classesOn(TODAY, TZ);
    expect(classes.length).toBeGreaterThan(3);
    for (const c of classes) {
      expect(localDate(c.starts_at, TZ)).toBe(TODAY);
      expect(c.booked).toBeLessThanOrEqual(c.capacity);
    }
    expect(classes.map((c) => c.starts_at)).toEqual([...classes.map((c) => c.starts_at)].sort());
  });

  it('knows who holds an active membership, consistently with the members who checked in', () => {
    const active = unit.operations.activeMembers(TODAY);
    expect(active).toBeGreaterThan(50);
    expect(active).toBeLessThanOrEqual(150);
    const recent = unit.db
      .prepare("SELECT member_id, local_date FROM checkins WHERE local_date >= '2026-11-20' LIMIT 50")
      .all() as Array<{ member_id: string; local_date: string }>;
    expect(recent.length).toBeGreaterThan(0);
    for (const visit of recent) {
      expect(
        unit.operations.activeMemberships(visit.member_id, visit.local_date).length,
        visit.member_id,
      ).toBeGreaterThan(0);
    }
  });

  it('finds seeded members by name, and a check-in record is stored once however often it is sent', () => {
    const page = unit.members.search({ q: 'silva', limit: 5 });
    expect(page.total).toBeGreaterThan(0);
    const member = page.items[0];
    expect(member?.document).toMatch(/^\d{11}$/);
    const record = {
      id: 'sp-paulista:test-visit-1',
      unitId: 'sp-paulista',
      memberId: member?.id,
      at: '2026-11-25T12:00:00.000Z',
      localDate: TODAY,
      method: 'qr',
    };
    expect(unit.checkins.record([record, record])).toEqual({ inserted: 1, duplicates: 1, rejected: [] });
    expect(unit.checkins.record([{ ...record, id: 'x' }]).rejected[0]?.reason).toMatch(/id/);
  });
});
