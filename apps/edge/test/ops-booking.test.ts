// The booking rules against the real store (SQLite file, Automerge documents, group commit): the last
// seat under 100 concurrent requests, promotion order, credits consumed and refunded, check-in.
import { dirname } from 'node:path';
import { type DocumentId, deterministicDocId } from '@gymedge/crdt-schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpfFromBase } from '../src/domain/cpf.ts';
import { MemberCreateInput } from '../src/domain/member.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { createOperations, type Operations } from '../src/services/operations.ts';
import { SYSTEM, tempUnit } from '../src/store/test-support.ts';
import { openUnitStore, type UnitStore } from '../src/unit-store.ts';

const NOW = new Date('2026-11-24T12:00:00.000Z');
let unit: UnitStore;
let cleanup: () => void;
let ops: Operations;
let clock: { now: Date };

async function setup(): Promise<void> {
  const t = tempUnit();
  cleanup = t.cleanup;
  unit = t.open();
  clock = { now: NOW };
  ops = createOperations({ unit, unitId: 'sp-paulista', logger: silentLogger(), clock: () => clock.now });
  await unit.store.create(
    'unit',
    { name: 'Paulista', timeZone: 'America/Sao_Paulo', city: 'São Paulo', state: 'SP', currency: 'BRL' },
    { id: deterministicDocId('unit', 'sp-paulista') },
  );
}

async function plan(extra: Record<string, unknown> = {}) {
  return unit.store.create('plan', {
    name: 'Mensal',
    priceCents: 12990,
    currency: 'BRL',
    billingPeriod: 'monthly',
    access: 'home',
    active: true,
    ...extra,
  } as never);
}

/** A name without digits (names refuse them): 0 → Aa, 1 → Ab, ... */
function nameOf(i: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return `A${letters[Math.floor(i / 26) % 26]}${letters[i % 26]}`;
}

async function members(n: number, planId: string, pay = true): Promise<string[]> {
  const ids = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      unit.members.create(
        MemberCreateInput.parse({ name: `Aluno ${nameOf(i)}`, document: cpfFromBase(String(100000000 + i)) }),
        SYSTEM,
      ),
    ),
  ).then((views) => views.map((v) => v.id));
  await Promise.all(
    ids.map(async (id) => {
      const sold = await ops.memberships.sell({ memberId: id, planId, startDate: '2026-11-01' }, SYSTEM);
      if (pay) for (const p of sold.payments) await ops.payments.pay(p.id, 'cash');
    }),
  );
  return ids;
}

async function session(capacity: number, startsAt = '2026-11-25T10:00:00.000Z') {
  const type = await unit.store.create('classType', {
    name: 'Spinning',
    category: 'cardio',
    durationMin: 45,
    defaultCapacity: capacity,
    intensity: 'high',
  });
  return unit.store.create('classSession', {
    classTypeId: type.id,
    title: 'Spinning',
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + 45 * 60_000).toISOString(),
    timeZone: 'America/Sao_Paulo',
    capacity,
    status: 'scheduled',
    bookings: {},
    waitlist: {},
  });
}

beforeEach(setup);
afterEach(async () => {
  await unit.close();
  cleanup();
});

describe('the last seat', () => {
  it('goes to exactly one of 100 members asking at once; the other 99 wait in line, numbered 1..99', async () => {
    const p = await plan();
    const ids = await members(100, p.id);
    const s = await session(1);
    const outcomes = await Promise.all(
      ids.map((memberId) => ops.bookings.book({ memberId, sessionId: s.id, actor: SYSTEM })),
    );
    expect(outcomes.filter((o) => o.status === 'booked')).toHaveLength(1);
    const waiting = outcomes.filter((o) => o.status === 'waitlisted');
    expect(waiting).toHaveLength(99);
    expect(waiting.map((o) => (o.status === 'waitlisted' ? o.position : 0)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 99 }, (_, i) => i + 1),
    );
    // What is on disk agrees after a reopen.
    await unit.close();
    unit = reopenUnit();
    const stored = unit.store.get<'classSession'>(s.id);
    expect(Object.values(stored?.bookings ?? {}).filter((b) => b.status === 'booked')).toHaveLength(1);
    expect(Object.values(stored?.waitlist ?? {})).toHaveLength(99);
  });
});

function reopenUnit(): UnitStore {
  return openUnitStore({
    dir: dirname(unit.path),
    unitId: 'sp-paulista',
    logger: silentLogger(),
    compactEveryMs: 0,
  });
}

describe('the waiting line', () => {
  it('a cancellation gives the seat to the first in line, then the next', async () => {
    const p = await plan();
    const [a, b, c] = await members(3, p.id);
    const s = await session(1);
    for (const memberId of [a, b, c] as string[]) {
      await ops.bookings.book({ memberId, sessionId: s.id, actor: SYSTEM });
      clock.now = new Date(clock.now.getTime() + 1000);
    }
    const first = await ops.bookings.cancel({ memberId: a as string, sessionId: s.id, actor: SYSTEM });
    expect(first).toMatchObject({ status: 'cancelled', late: false, promoted: [b] });
    const roster = ops.bookings.roster(s.id);
    expect(roster.waitlist.map((w) => [w.memberId, w.position])).toEqual([[c, 1]]);
    expect(ops.bookings.upcomingFor(b as string)[0]?.mine).toEqual({ status: 'booked', promoted: true });
    expect(ops.bookings.upcomingFor(a as string)).toEqual([]);
    const week = (memberId: string) =>
      ops.bookings.sessions({ from: NOW.toISOString(), memberId }).find((x) => x.id === s.id)?.mine;
    expect(week(c as string)).toEqual({ status: 'waitlisted', position: 1 });
    const second = await ops.bookings.cancel({ memberId: b as string, sessionId: s.id, actor: SYSTEM });
    expect(second).toMatchObject({ promoted: [c] });
    expect(week(b as string)).toBeUndefined();
    expect(week(c as string)).toEqual({ status: 'booked', promoted: true });
  });

  it("a member's places come from the bookings read model, which a rebuild from the documents restores", async () => {
    const p = await plan();
    const ids = (await members(4, p.id)) as [string, string, string, string];
    const full = await session(2);
    const later = await session(5, '2026-11-26T10:00:00.000Z');
    for (const memberId of ids) {
      await ops.bookings.book({ memberId, sessionId: full.id, actor: SYSTEM });
      clock.now = new Date(clock.now.getTime() + 1000);
    }
    clock.now = NOW;
    await ops.bookings.book({ memberId: ids[3], sessionId: later.id, actor: SYSTEM });
    const places = () =>
      unit.db
        .prepare(
          'SELECT member_id, session_id, status, position FROM class_place_index ORDER BY member_id, starts_at',
        )
        .all();
    const before = places();
    expect(before).toHaveLength(5);
    expect(ops.bookings.upcomingFor(ids[3]).map((x) => x.id)).toEqual([later.id]);
    expect(ops.bookings.sessions({ from: NOW.toISOString(), memberId: ids[3] }).map((x) => x.mine)).toEqual([
      { status: 'waitlisted', position: 2 },
      { status: 'booked' },
    ]);
    unit.db.exec('DELETE FROM class_place_index');
    expect(ops.bookings.upcomingFor(ids[0])).toEqual([]); // it really is what upcomingFor reads
    await unit.close();
    unit = reopenUnit();
    unit.store.rebuildProjections(['operations']);
    expect(places()).toEqual(before);
  });
});

describe('credits', () => {
  it('a pack spends one credit per booking, refunds an early cancellation, keeps a late one', async () => {
    const p = await plan({
      name: 'Pacote 2 aulas',
      kind: 'class_pack',
      classCredits: 2,
      validityDays: 60,
      priceCents: 9000,
    });
    const [m] = (await members(1, p.id)) as [string];
    const s1 = await session(10, '2026-11-25T10:00:00.000Z');
    const s2 = await session(10, '2026-11-25T12:00:00.000Z');
    const s3 = await session(10, '2026-11-25T14:00:00.000Z');
    expect(await ops.bookings.book({ memberId: m, sessionId: s1.id, actor: SYSTEM })).toMatchObject({
      status: 'booked',
      creditsLeft: 1,
    });
    expect(await ops.bookings.book({ memberId: m, sessionId: s2.id, actor: SYSTEM })).toMatchObject({
      status: 'booked',
      creditsLeft: 0,
    });
    expect(await ops.bookings.book({ memberId: m, sessionId: s3.id, actor: SYSTEM })).toMatchObject({
      status: 'refused',
      reason: 'no_credits',
    });
    expect(await ops.bookings.cancel({ memberId: m, sessionId: s1.id, actor: SYSTEM })).toMatchObject({
      creditRefunded: true,
    });
    expect(await ops.bookings.book({ memberId: m, sessionId: s3.id, actor: SYSTEM })).toMatchObject({
      status: 'booked',
      creditsLeft: 0,
    });
    clock.now = new Date('2026-11-25T11:00:00.000Z'); // one hour before s2: late
    expect(await ops.bookings.cancel({ memberId: m, sessionId: s2.id, actor: SYSTEM })).toMatchObject({
      late: true,
      creditRefunded: false,
    });
    expect(ops.memberships.viewsOf(m)[0]?.creditsLeft).toBe(0);
  });

  it('two sessions asked at once with one credit left: exactly one booking', async () => {
    const p = await plan({ name: 'Avulsa', kind: 'class_pack', classCredits: 1, priceCents: 3000 });
    const [m] = (await members(1, p.id)) as [string];
    const [s1, s2] = [await session(5), await session(5, '2026-11-25T11:00:00.000Z')];
    const results = await Promise.all(
      [s1, s2].map((s) => ops.bookings.book({ memberId: m, sessionId: s.id, actor: SYSTEM })),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['booked', 'refused']);
  });

  it('an unpaid membership past its grace days cannot book or enter', async () => {
    const p = await plan({ graceDays: 3 });
    const [m] = (await members(1, p.id, false)) as [string];
    const s = await session(5);
    expect(await ops.bookings.book({ memberId: m, sessionId: s.id, actor: SYSTEM })).toMatchObject({
      reason: 'no_active_plan',
    });
    expect(await ops.checkins.checkIn({ memberId: m, actor: SYSTEM })).toMatchObject({
      allowed: false,
      reason: 'overdue',
    });
    expect(ops.payments.overdue().map((o) => o.memberId)).toEqual([m]);
  });
});

describe('check-in', () => {
  it('by signed QR and by CPF; a second check-in soon after is "already inside"; a forged QR is refused', async () => {
    const p = await plan();
    const [m] = (await members(1, p.id)) as [string];
    const code = ops.checkins.qrFor(m);
    const first = await ops.checkins.checkIn({ code, actor: SYSTEM });
    expect(first).toMatchObject({ allowed: true, planName: 'Mensal', member: { firstName: 'Aluno' } });
    expect(ops.checkins.servedMember(first.serving ?? '')).toBe(m);
    expect(await ops.checkins.checkIn({ document: cpfFromBase('100000000'), actor: SYSTEM })).toMatchObject({
      allowed: false,
      reason: 'already_inside',
    });
    clock.now = new Date(clock.now.getTime() + 3 * 3_600_000);
    expect(await ops.checkins.checkIn({ document: cpfFromBase('100000000'), actor: SYSTEM })).toMatchObject({
      allowed: true,
    });
    expect(await ops.checkins.checkIn({ code: `${code.slice(0, -3)}AAA`, actor: SYSTEM })).toMatchObject({
      allowed: false,
      reason: 'invalid_code',
    });
    expect(await ops.checkins.checkIn({ document: '00000000000', actor: SYSTEM })).toMatchObject({
      reason: 'member_unknown',
    });
    expect(ops.reports.daily('2026-11-24').checkins).toBe(2);
  });

  it('check-ins asked at once are all recorded; the same member twice at once enters once', async () => {
    const p = await plan();
    const ids = await members(20, p.id);
    const results = await Promise.all(
      [...ids, ids[0] as string].map((memberId) => ops.checkins.checkIn({ memberId, actor: SYSTEM })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    expect(results.at(-1)).toMatchObject({ allowed: false, reason: 'already_inside' });
    // Every admitted check-in was on disk when it was answered: all there after a reopen.
    await unit.close();
    unit = reopenUnit();
    expect(ids.filter((id) => unit.checkins.forMember(id, 5).length === 1)).toHaveLength(20);
  });

  it("exports a member's data as JSON and CSV", async () => {
    const p = await plan();
    const [m] = (await members(1, p.id)) as [string];
    const json = JSON.parse(ops.reports.memberExport(m, 'json'));
    expect(json.member.name).toBe('Aluno Aaa');
    expect(json.payments[0]).toMatchObject({ status: 'paid', amountCents: 12990 });
    expect(ops.reports.memberExport(m, 'csv')).toContain('"member","1","name","Aluno Aaa"');
    void (m as DocumentId<'member'>);
  });
});

describe('memberships through the store', () => {
  it('sells with the enrolment fee, freezes within the limits, renews with a new charge, cancels at term end', async () => {
    const p = await plan({
      name: 'Trimestral',
      billingPeriod: 'quarterly',
      enrolmentFeeCents: 5000,
      freeze: { maxTimes: 1, maxDays: 15, minDays: 7 },
    });
    const member = await unit.members.create(MemberCreateInput.parse({ name: 'Carla Dias' }), SYSTEM);
    const sold = await ops.memberships.sell(
      { memberId: member.id, planId: p.id, startDate: '2026-11-24' },
      SYSTEM,
    );
    expect(sold.payments.map((x) => [x.service, x.amountCents])).toEqual([
      ['Matrícula', 5000],
      ['Trimestral', 12990],
    ]);
    expect(sold.membership.endDate).toBe('2027-02-23');
    await expect(ops.memberships.sell({ memberId: member.id, planId: p.id }, SYSTEM)).rejects.toThrow(
      /already has/,
    );
    const frozen = await ops.memberships.freeze(sold.membership.id, {
      from: '2026-12-01',
      until: '2026-12-10',
    });
    expect(frozen.endDate).toBe('2027-03-05');
    await expect(
      ops.memberships.freeze(sold.membership.id, { from: '2027-01-05', until: '2027-01-12' }),
    ).rejects.toThrow(/1 freeze/);
    const renewed = await ops.memberships.renew(sold.membership.id);
    expect(renewed.membership.endDate).toBe('2027-06-05');
    expect(renewed.payment).toMatchObject({ amountCents: 12990, status: 'pending', dueDate: '2027-03-05' });
    const cancelled = await ops.memberships.cancel(sold.membership.id, 'mudou de cidade');
    expect(cancelled.status.state).toBe('active'); // runs to the end of the paid term
    expect(cancelled.autoRenew).toBe(false);
  });
});
