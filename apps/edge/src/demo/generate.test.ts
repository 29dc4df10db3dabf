import {
  BookingStatus,
  ClassTypeDoc,
  MembershipStatus,
  PaymentMethod,
  PaymentStatus,
  PlanDoc,
} from '@gymedge/crdt-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeCpf } from '../domain/cpf.ts';
import { BirthDate, Email, PersonName, Phone } from '../domain/member.ts';
import {
  type DemoMembership,
  type DemoSession,
  type DemoUnitData,
  type DemoUnitSpec,
  generateDemoUnit,
  unitDay,
} from './generate.ts';

const SPEC: DemoUnitSpec = {
  unitId: 'sp-paulista',
  name: 'GymEdge Paulista',
  city: 'São Paulo',
  state: 'SP',
  timeZone: 'America/Sao_Paulo',
  members: 2000,
  seed: 42,
  months: 12,
  today: '2026-11-25',
};

const SMALL: DemoUnitSpec = {
  ...SPEC,
  unitId: 'rj-tijuca',
  city: 'Rio de Janeiro',
  state: 'RJ',
  members: 150,
  months: 4,
};

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

const localFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: SPEC.timeZone,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

const offsetByHour = new Map<number, number>();

/**
 * Local date and `HH:MM` of an instant in São Paulo, via Intl (independent of the generator). The
 * zone's offset is looked up once per UTC hour: offsets only change on hour boundaries.
 */
function local(instant: string): { date: string; time: string; minutes: number } {
  const ms = Date.parse(instant);
  const hour = Math.floor(ms / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const parts = Object.fromEntries(
      localFormat.formatToParts(new Date(hour * 3_600_000)).map((p) => [p.type, p.value]),
    );
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
    );
    offset = wall - hour * 3_600_000;
    offsetByHour.set(hour, offset);
  }
  const wall = new Date(ms + offset).toISOString();
  const time = wall.slice(11, 16);
  return { date: wall.slice(0, 10), time, minutes: minutesOf(time) };
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Asserts that no item breaks a rule, showing the first few that do. */
function expectNone<T>(items: readonly T[], broken: (item: T) => string | false | undefined): void {
  const problems: string[] = [];
  for (const item of items) {
    const problem = broken(item);
    if (problem) problems.push(problem);
  }
  expect(problems.slice(0, 5), `${problems.length} of ${items.length} break the rule`).toEqual([]);
}

function covers(membership: DemoMembership, date: string): boolean {
  if (date < membership.startDate) return false;
  if (membership.endDate !== undefined && date > membership.endDate) return false;
  if (membership.frozenFrom !== undefined && membership.frozenUntil !== undefined) {
    if (date >= membership.frozenFrom && date <= membership.frozenUntil) return false;
  }
  return true;
}

let data: DemoUnitData;
let nowMs: number;
let windowStartMs: number;
const membershipsOf = new Map<string, DemoMembership[]>();

beforeAll(() => {
  data = generateDemoUnit(SPEC);
  nowMs = Date.parse('2026-11-25T03:00:00Z'); // 00:00 in São Paulo (UTC-3, no DST since 2019)
  windowStartMs = Date.parse(`${data.window.from}T03:00:00Z`);
  for (const m of data.memberships) {
    const list = membershipsOf.get(m.memberKey) ?? [];
    list.push(m);
    membershipsOf.set(m.memberKey, list);
  }
});

describe('generateDemoUnit: speed and determinism', () => {
  // Its speed is measured in `npm run bench` (cold start), not asserted here: a timed unit test fails on a busy CI.
  it('generates 2000 members and 12 months of history', () => {
    expect(data.members).toHaveLength(2000);
    expect(data.window).toEqual({ from: '2025-11-25', today: '2026-11-25', sessionsUntil: '2026-12-08' });
  });

  it('gives deep-equal data for the same seed and different data for another seed', () => {
    const a = generateDemoUnit(SMALL);
    const b = generateDemoUnit(SMALL);
    expect(b).toEqual(a);
    const c = generateDemoUnit({ ...SMALL, seed: 43 });
    expect(c.members.map((m) => m.name)).not.toEqual(a.members.map((m) => m.name));
    expect(c.checkins.length).not.toBe(a.checkins.length);
  });

  it('keeps the first members the same when more members are asked for', () => {
    const fewer = generateDemoUnit({ ...SMALL, members: 100 });
    const more = generateDemoUnit({ ...SMALL, members: 120 });
    const identity = (d: DemoUnitData) =>
      d.members.slice(0, 100).map((m) => [m.key, m.name, m.document, m.email, m.signupDate]);
    expect(identity(more)).toEqual(identity(fewer));
  });

  it('refuses specs out of range', () => {
    expect(() => generateDemoUnit({ ...SMALL, members: 0 })).toThrow(/members/);
    expect(() => generateDemoUnit({ ...SMALL, months: 0 })).toThrow(/months/);
    expect(() => generateDemoUnit({ ...SMALL, today: '25/11/2026' })).toThrow(/today/);
    expect(() => generateDemoUnit({ ...SMALL, timeZone: 'Mars/Olympus' })).toThrow();
  });
});

describe('catalogue', () => {
  it('has plans that fit the plan schema, with the annual plan cheaper per month than the monthly one', () => {
    const PlanFields = PlanDoc.pick({
      name: true,
      description: true,
      priceCents: true,
      currency: true,
      billingPeriod: true,
      classCredits: true,
      access: true,
      active: true,
    });
    for (const plan of data.plans) {
      const { key: _key, ...fields } = plan;
      expect(() => PlanFields.parse(fields)).not.toThrow();
    }
    const plan = (key: string) => data.plans.find((p) => p.key === key);
    expect(plan('mensal')?.priceCents).toBe(12990);
    expect((plan('anual')?.priceCents ?? 0) / 12).toBeLessThan(plan('mensal')?.priceCents ?? 0);
    expect(plan('black')).toMatchObject({ access: 'all', billingPeriod: 'monthly' });
    expect(plan('black')?.classCredits).toBeUndefined();
    expect(plan('aulas')?.classCredits).toBe(12);
  });

  it('has class types that fit the class type schema', () => {
    const Fields = ClassTypeDoc.pick({
      name: true,
      description: true,
      category: true,
      durationMin: true,
      defaultCapacity: true,
      intensity: true,
    });
    for (const type of data.classTypes) {
      const { key: _key, ...fields } = type;
      expect(() => Fields.parse(fields)).not.toThrow();
    }
    expect(data.classTypes.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'Spinning',
        'Yoga',
        'Pilates Solo',
        'Funcional',
        'Zumba',
        'Musculação guiada',
        'HIIT',
      ]),
    );
  });

  it('has 6-10 classes on weekdays and fewer on Sunday', () => {
    const perDay = (day: string) => data.timetable.filter((s) => s.day === day).length;
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri']) {
      expect(perDay(day)).toBeGreaterThanOrEqual(6);
      expect(perDay(day)).toBeLessThanOrEqual(10);
    }
    expect(perDay('sun')).toBeLessThan(perDay('sat'));
    expect(perDay('sun')).toBeGreaterThan(0);
  });
});

describe('members', () => {
  it('have valid, unique CPFs, phones with the unit DDD, and unique e-mails', () => {
    const cpfs = new Set<string>();
    const emails = new Set<string>();
    for (const m of data.members) {
      expect(normalizeCpf(m.document)).toBe(m.document);
      cpfs.add(m.document);
      expect(m.phone).toMatch(/^\(11\) 9\d{4}-\d{4}$/);
      expect(Phone.safeParse(m.phone).success).toBe(true);
      expect(Email.parse(m.email)).toBe(m.email);
      emails.add(m.email);
    }
    expect(cpfs.size).toBe(data.members.length);
    expect(emails.size).toBe(data.members.length);
    const rio = generateDemoUnit(SMALL);
    expect(rio.members.every((m) => m.phone.startsWith('(21) 9'))).toBe(true);
  });

  it('have full Brazilian names with accents and a wide spread of first names and surnames', () => {
    const firstNames = new Map<string, number>();
    let accented = 0;
    for (const m of data.members) {
      expect(PersonName.parse(m.name)).toBe(m.name);
      expect(m.name.split(' ').length).toBeGreaterThanOrEqual(2);
      if (/[À-ÿ]/.test(m.name)) accented++;
      const first = m.name.split(' ')[0] ?? '';
      firstNames.set(first, (firstNames.get(first) ?? 0) + 1);
    }
    expect(firstNames.size).toBeGreaterThan(80);
    expect(Math.max(...firstNames.values())).toBeLessThan(data.members.length * 0.1);
    expect(accented / data.members.length).toBeGreaterThan(0.2);
    const silva = data.members.filter((m) => / Silva\b/.test(m.name)).length;
    expect(silva / data.members.length).toBeGreaterThan(0.05); // the most common surname in Brazil
  });

  it('derive e-mails from the name without accents', () => {
    const joao = data.members.filter((m) => m.name.startsWith('João '));
    expect(joao.length).toBeGreaterThan(0);
    for (const m of joao) expect(m.email).toMatch(/^(joao|j)[a-z0-9._]*@/);
  });

  it('are 16 to 75 years old, mostly 20 to 45, with valid birth dates', () => {
    const today = dayNumber(SPEC.today);
    const ages = data.members.map((m) => {
      expect(BirthDate.safeParse(m.birthDate).success).toBe(true);
      return Math.floor((today - dayNumber(m.birthDate)) / 365.2425);
    });
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(16);
    expect(Math.max(...ages)).toBeLessThanOrEqual(75);
    const core = ages.filter((a) => a >= 20 && a <= 45).length / ages.length;
    expect(core).toBeGreaterThan(0.55);
    expect(core).toBeLessThan(0.9);
  });

  it('are female and male in similar numbers, other rarely, and live in neighbourhoods of the city', () => {
    const count = (g: string) => data.members.filter((m) => m.gender === g).length / data.members.length;
    expect(count('female')).toBeGreaterThan(0.4);
    expect(count('male')).toBeGreaterThan(0.4);
    expect(count('other')).toBeLessThan(0.03);
    const regions = new Set(data.members.map((m) => m.region));
    expect(regions.size).toBeGreaterThan(10);
    expect(regions).not.toContain('Copacabana');
    expect(
      [...regions].some((r) => ['Moema', 'Pinheiros', 'Tatuapé', 'Vila Mariana', 'Mooca'].includes(r)),
    ).toBe(true);
  });

  it('signed up within the last few years and never after today', () => {
    for (const m of data.members) {
      expect(m.signupDate <= SPEC.today).toBe(true);
      expect(m.signupDate >= '2019-11-01').toBe(true);
      expect(membershipsOf.get(m.key)?.[0]?.startDate).toBe(m.signupDate);
    }
  });
});

describe('memberships and churn', () => {
  it('cover every member at some point in the window; statuses fit the schema', () => {
    for (const m of data.members) {
      const list = membershipsOf.get(m.key) ?? [];
      expect(list.length).toBeGreaterThan(0);
      expect(list.some((ms) => ms.endDate === undefined || ms.endDate >= data.window.from)).toBe(true);
    }
    for (const ms of data.memberships) {
      expect(MembershipStatus.options).toContain(ms.status);
      if (ms.status === 'cancelled') expect(ms.cancelledAt).toBeDefined();
      if (ms.status === 'frozen') expect(ms.frozenUntil && ms.frozenUntil > SPEC.today).toBe(true);
    }
  });

  it('lose 15-40% of members within the window, and churned members have no membership today', () => {
    const churned = data.members.filter((m) => m.churned);
    const share = churned.length / data.members.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.4);
    for (const m of churned) {
      expect(m.status).toBe('inactive');
      expect(m.churnedOn !== undefined && m.churnedOn <= SPEC.today && m.churnedOn > data.window.from).toBe(
        true,
      );
      expect((membershipsOf.get(m.key) ?? []).some((ms) => covers(ms, SPEC.today))).toBe(false);
    }
    for (const m of data.members.filter((x) => !x.churned)) {
      const list = membershipsOf.get(m.key) ?? [];
      expect(list.some((ms) => ms.status === 'active' || ms.status === 'frozen')).toBe(true);
    }
  });

  it('churn month-to-month members more than annual ones', () => {
    const firstPlan = new Map<string, string>();
    for (const ms of data.memberships)
      if (!firstPlan.has(ms.memberKey)) firstPlan.set(ms.memberKey, ms.planKey);
    const churnRate = (plan: string) => {
      const group = data.members.filter((m) => firstPlan.get(m.key) === plan);
      return group.filter((m) => m.churned).length / group.length;
    };
    expect(churnRate('mensal')).toBeGreaterThan(churnRate('anual') * 1.3);
  });

  it('churn members who come less', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const churned = mean(data.members.filter((m) => m.churned).map((m) => m.traits.visitsPerWeek));
    const stayed = mean(data.members.filter((m) => !m.churned).map((m) => m.traits.visitsPerWeek));
    expect(churned).toBeLessThan(stayed * 0.9);
  });

  it('have attendance falling in the weeks before a member leaves', () => {
    const visits = new Map<string, number[]>();
    for (const c of data.checkins) {
      const list = visits.get(c.memberKey) ?? [];
      list.push(dayNumber(c.date));
      visits.set(c.memberKey, list);
    }
    const from = dayNumber(data.window.from);
    let lastFourWeeks = 0;
    let weeksNineToSixteen = 0;
    let members = 0;
    for (const m of data.members) {
      if (m.churnedOn === undefined) continue;
      const left = dayNumber(m.churnedOn);
      if (left - 16 * 7 < from) continue;
      members++;
      const days = visits.get(m.key) ?? [];
      lastFourWeeks += days.filter((d) => d >= left - 28 && d < left).length / 4;
      weeksNineToSixteen += days.filter((d) => d >= left - 112 && d < left - 56).length / 8;
    }
    expect(members).toBeGreaterThan(50);
    expect(lastFourWeeks / members).toBeLessThan((weeksNineToSixteen / members) * 0.6);
  });
});

describe('payments', () => {
  it('bill each period of each membership once, at the membership price, within the window', () => {
    const byKey = new Map(data.memberships.map((m) => [m.key, m]));
    const periods = new Set<string>();
    expectNone(data.payments, (p) => {
      const ms = byKey.get(p.membershipKey);
      if (ms === undefined || ms.memberKey !== p.memberKey) return `${p.key}: no such membership`;
      if (p.amountCents !== ms.priceCents || !Number.isInteger(p.amountCents))
        return `${p.key}: ${p.amountCents}`;
      if (p.dueDate < data.window.from || p.dueDate > SPEC.today || p.dueDate < ms.startDate) {
        return `${p.key}: due ${p.dueDate}`;
      }
      if (ms.endDate !== undefined && p.dueDate > ms.endDate)
        return `${p.key}: due after the membership ended`;
      if (!PaymentMethod.options.includes(p.method) || !PaymentStatus.options.includes(p.status))
        return p.key;
      if (p.timeZone !== SPEC.timeZone) return `${p.key}: zone ${p.timeZone}`;
      const period = `${p.membershipKey}/${p.dueDate}`;
      if (periods.has(period)) return `${p.key}: second charge for ${period}`;
      periods.add(period);
      if (p.status !== 'paid')
        return p.paidAt === undefined ? undefined : `${p.key}: ${p.status} with paidAt`;
      const paid = Date.parse(p.paidAt ?? '');
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/.test(p.paidAt ?? '')) return `${p.key}: ${p.paidAt}`;
      if (paid < windowStartMs || paid >= nowMs) return `${p.key}: paid outside the window`;
      if (local(p.paidAt ?? '').date < p.dueDate) return `${p.key}: paid before it was due`;
    });
    // A monthly member active all year pays 12 or 13 times in the window.
    const steady = data.memberships.find(
      (m) =>
        m.planKey === 'mensal' &&
        m.startDate < '2025-06-01' &&
        m.endDate === undefined &&
        m.status === 'active',
    );
    expect(steady).toBeDefined();
    const count = data.payments.filter((p) => p.membershipKey === steady?.key).length;
    expect(count).toBeGreaterThanOrEqual(12);
    expect(count).toBeLessThanOrEqual(13);
  });

  it('use pix most, then credit card, with a few failed and pending charges', () => {
    const share = (f: (p: (typeof data.payments)[number]) => boolean) =>
      data.payments.filter(f).length / data.payments.length;
    expect(share((p) => p.method === 'pix')).toBeGreaterThan(0.35);
    expect(share((p) => p.method === 'pix')).toBeLessThan(0.55);
    expect(share((p) => p.method === 'credit_card')).toBeGreaterThan(0.25);
    expect(share((p) => p.method === 'credit_card')).toBeLessThan(0.45);
    for (const method of ['debit_card', 'cash', 'boleto'])
      expect(share((p) => p.method === method)).toBeGreaterThan(0);
    const failed = data.payments.filter((p) => p.status === 'failed').length;
    const pending = data.payments.filter((p) => p.status === 'pending').length;
    expect(failed).toBeGreaterThan(0);
    expect(pending).toBeGreaterThan(0);
    expect((failed + pending) / data.payments.length).toBeLessThan(0.05);
  });

  it('bring in a plausible revenue each month: R$ 60-250 per member holding a membership', () => {
    for (const month of ['2026-01', '2026-04', '2026-07', '2026-10']) {
      const revenue = data.payments
        .filter(
          (p) => p.status === 'paid' && p.paidAt !== undefined && local(p.paidAt).date.startsWith(month),
        )
        .reduce((sum, p) => sum + p.amountCents, 0);
      const midMonth = `${month}-15`;
      const active = data.members.filter((m) =>
        (membershipsOf.get(m.key) ?? []).some(
          (ms) => ms.startDate <= midMonth && (ms.endDate ?? '9999') >= midMonth,
        ),
      ).length;
      const perMember = revenue / 100 / active;
      expect(perMember).toBeGreaterThan(60);
      expect(perMember).toBeLessThan(250);
    }
  });
});

describe('sessions', () => {
  it('start at their timetable time in São Paulo: a 07:00 class starts at 10:00Z', () => {
    const seven = data.sessions.find((s) => s.date === '2026-11-24' && s.localTime === '07:00');
    expect(seven?.startsAt).toBe('2026-11-24T10:00:00.000Z');
    expectNone(data.sessions, (s) => {
      const start = local(s.startsAt);
      if (start.date !== s.date || start.time !== s.localTime) return `${s.key}: starts ${s.startsAt}`;
      const day = unitDay(s.date);
      if (!day.open) return `${s.key}: the unit is closed`;
      const slot = data.timetable.find(
        (t) => t.day === day.hours && t.time === s.localTime && t.room === s.room,
      );
      if (slot?.classTypeKey !== s.classTypeKey || slot.trainerKey !== s.trainerKey)
        return `${s.key}: not on the timetable`;
      const type = data.classTypes.find((t) => t.key === s.classTypeKey);
      if (Date.parse(s.endsAt) - Date.parse(s.startsAt) !== (type?.durationMin ?? 0) * 60_000)
        return `${s.key}: length`;
      if (s.date < data.window.from || s.date > data.window.sessionsUntil)
        return `${s.key}: outside the window`;
    });
  });

  it('follow daylight saving through Intl: in December 2018 São Paulo was UTC-2, so 07:00 was 09:00Z', () => {
    const old = generateDemoUnit({
      ...SMALL,
      city: 'São Paulo',
      state: 'SP',
      members: 20,
      months: 1,
      today: '2018-12-10',
    });
    const seven = old.sessions.find((s) => s.date === '2018-12-04' && s.localTime === '07:00');
    expect(seven?.startsAt).toBe('2018-12-04T09:00:00.000Z');
  });

  it('are closed on Christmas and New Year and run the Sunday timetable on national holidays', () => {
    expect(data.sessions.some((s) => s.date === '2025-12-25' || s.date === '2026-01-01')).toBe(false);
    const tiradentes = data.sessions.filter((s) => s.date === '2026-04-21'); // a Tuesday
    expect(tiradentes.map((s) => s.localTime)).toEqual(
      data.timetable.filter((t) => t.day === 'sun').map((t) => t.time),
    );
  });

  it('never double-book a room or a trainer', () => {
    const byDay = new Map<string, DemoSession[]>();
    for (const s of data.sessions) byDay.set(s.date, [...(byDay.get(s.date) ?? []), s]);
    for (const sessions of byDay.values()) {
      for (const a of sessions) {
        for (const b of sessions) {
          if (a === b || a.startsAt >= b.endsAt || b.startsAt >= a.endsAt) continue;
          expect(a.room).not.toBe(b.room);
          expect(a.trainerKey).not.toBe(b.trainerKey);
        }
      }
    }
  });

  it('keep bookings within capacity, booked before the class and before now', () => {
    expectNone(data.sessions, (s) => {
      const taking = s.bookings.filter((b) => b.status !== 'cancelled');
      if (taking.length > s.capacity) return `${s.key}: ${taking.length} places of ${s.capacity}`;
      if (new Set(s.bookings.map((b) => b.memberKey)).size !== s.bookings.length)
        return `${s.key}: booked twice`;
    });
    const bookings = data.sessions.flatMap((s) => s.bookings.map((b) => ({ s, b })));
    expectNone(bookings, ({ s, b }) => {
      const where = `${s.key}/${b.key}`;
      if (!BookingStatus.options.includes(b.status)) return `${where}: status ${b.status}`;
      if (!/^[0-9A-Za-z_-]{6,64}$/.test(b.key)) return `${where}: not an entry key`;
      if (b.bookedAt > s.startsAt) return `${where}: booked after the start`;
      const bookedAt = Date.parse(b.bookedAt);
      if (bookedAt >= nowMs || bookedAt < windowStartMs) return `${where}: booked outside the window`;
      if (b.cancelledAt !== undefined && b.status !== 'cancelled')
        return `${where}: cancelledAt on a live booking`;
      if (b.cancelledAt !== undefined && (b.cancelledAt < b.bookedAt || b.cancelledAt > s.startsAt)) {
        return `${where}: cancelled at ${b.cancelledAt}`;
      }
    });
  });

  it('have only booked or cancelled places in the future, and bookings at most 7 days ahead', () => {
    const future = data.sessions.filter((s) => Date.parse(s.startsAt) >= nowMs);
    expect(future.length).toBeGreaterThan(100);
    expect(future.every((s) => s.status === 'scheduled')).toBe(true);
    for (const s of future) {
      for (const b of s.bookings) expect(['booked', 'cancelled']).toContain(b.status);
      for (const w of s.waitlist) expect(w.status).toBe('waiting');
      if (s.date > '2026-12-02') expect(s.bookings).toEqual([]);
    }
    expect(future.reduce((n, s) => n + s.bookings.length, 0)).toBeGreaterThan(50);
    const past = data.sessions.filter((s) => Date.parse(s.startsAt) < nowMs);
    for (const s of past) for (const b of s.bookings) expect(b.status).not.toBe('booked');
  });

  it('fill popular classes, with a short waitlist only when a class was full', () => {
    const past = data.sessions.filter((s) => s.status === 'completed');
    const attended = past.reduce((n, s) => n + s.bookings.filter((b) => b.status === 'attended').length, 0);
    const seats = past.reduce((n, s) => n + s.capacity, 0);
    expect(attended / seats).toBeGreaterThan(0.3);
    expect(attended / seats).toBeLessThan(0.95);
    const withWaitlist = data.sessions.filter((s) => s.waitlist.length > 0);
    expect(withWaitlist.length).toBeGreaterThan(10);
    for (const s of withWaitlist) {
      expect(s.waitlist.filter((w) => w.status === 'waiting').length).toBeLessThanOrEqual(5);
      expect(s.bookings.length).toBeGreaterThanOrEqual(s.capacity);
      for (const w of s.waitlist.filter((x) => x.status === 'promoted')) {
        expect(s.bookings.some((b) => b.memberKey === w.memberKey)).toBe(true);
      }
    }
    const noShow = past.reduce((n, s) => n + s.bookings.filter((b) => b.status === 'no_show').length, 0);
    expect(noShow / attended).toBeGreaterThan(0.01);
    expect(noShow / attended).toBeLessThan(0.15);
  });
});

describe('check-ins', () => {
  it('happen only while the member holds a membership that covers the day, and name it', () => {
    const byKey = new Map(data.memberships.map((m) => [m.key, m]));
    expectNone(data.checkins, (c) => {
      const membership = byKey.get(c.membershipKey);
      if (membership?.memberKey !== c.memberKey) return `${c.key}: names ${c.membershipKey}`;
      if (!covers(membership, c.date)) return `${c.key}: ${c.membershipKey} does not cover ${c.date}`;
      if (!(membershipsOf.get(c.memberKey) ?? []).some((m) => covers(m, c.date)))
        return `${c.key}: no membership`;
    });
  });

  it('happen within the window, on open days, within opening hours, once per member and day', () => {
    const keys = new Set<string>();
    expect(data.checkins.length).toBeGreaterThan(50_000);
    expectNone(data.checkins, (c) => {
      const at = Date.parse(c.at);
      if (at < windowStartMs || at >= nowMs) return `${c.key}: ${c.at} is outside the window`;
      const { date, minutes } = local(c.at);
      if (date !== c.date) return `${c.key}: ${c.at} is not on ${c.date} in São Paulo`;
      const day = unitDay(c.date);
      if (!day.open) return `${c.key}: the unit is closed on ${c.date}`;
      const hours = data.unit.openingHours[day.hours];
      if (minutes < minutesOf(hours.opens) || minutes >= minutesOf(hours.closes))
        return `${c.key}: at ${c.at}`;
      if (!/^[0-9A-Za-z_-]{6,64}$/.test(c.key)) return `${c.key}: not an entry key`;
      if (keys.has(c.key)) return `${c.key}: twice`;
      keys.add(c.key);
    });
  });

  it('average 0.5-5 visits per member-week of membership', () => {
    const from = dayNumber(data.window.from);
    const today = dayNumber(SPEC.today);
    let memberDays = 0;
    for (const list of membershipsOf.values()) {
      for (let day = from; day < today; day++) {
        const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
        if (list.some((ms) => covers(ms, date))) memberDays++;
      }
    }
    const perWeek = data.checkins.length / (memberDays / 7);
    expect(perWeek).toBeGreaterThan(0.5);
    expect(perWeek).toBeLessThan(5);
  });

  it('peak in the early morning and the evening', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const c of data.checkins) {
      const hour = Math.floor(local(c.at).minutes / 60);
      byHour[hour] = (byHour[hour] ?? 0) + 1;
    }
    const sum = (from: number, to: number) => byHour.slice(from, to).reduce((a, b) => a + b, 0);
    const afternoon = sum(14, 16);
    expect(sum(6, 8)).toBeGreaterThan(afternoon * 1.5);
    expect(sum(18, 20)).toBeGreaterThan(afternoon * 2);
    expect(sum(0, 5)).toBe(0);
  });

  it('come before each attended class the same day', () => {
    const checkin = new Map(data.checkins.map((c) => [`${c.memberKey}/${c.date}`, c]));
    const attended = data.sessions.flatMap((s) =>
      s.bookings.filter((b) => b.status === 'attended').map((b) => ({ s, b })),
    );
    expect(attended.length).toBeGreaterThan(10_000);
    expectNone(attended, ({ s, b }) => {
      const c = checkin.get(`${b.memberKey}/${s.date}`);
      if (c === undefined) return `${s.key}/${b.key}: no check-in that day`;
      if (c.at > s.startsAt) return `${s.key}/${b.key}: checked in at ${c.at}`;
    });
  });

  it('mostly use QR codes and cards at the turnstile', () => {
    const qrOrCard = data.checkins.filter((c) => c.method === 'qr' || c.method === 'card').length;
    expect(qrOrCard / data.checkins.length).toBeGreaterThan(0.8);
    expect(data.checkins.some((c) => c.method === 'manual')).toBe(true);
  });
});
