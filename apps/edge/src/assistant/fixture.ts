import { type DocumentId, deterministicDocId } from '@gymedge/crdt-schema';
import { MemberCreateInput } from '../domain/member.ts';
import { zonedToUtc } from '../domain/time.ts';
import type { Actor } from '../services/contracts.ts';
import type { UnitStore } from '../unit-store.ts';

/** The timetable the assistant's tests and evaluation run against: [local time, class name, minutes, capacity]. */
export const FIXTURE_TIMETABLE: ReadonlyArray<readonly [string, string, number, number]> = [
  ['07:00', 'Spinning', 45, 20],
  ['07:00', 'Funcional', 45, 20],
  ['08:00', 'Yoga', 60, 15],
  ['09:00', 'Pilates Solo', 50, 12],
  ['10:00', 'Ritmos', 50, 25],
  ['12:00', 'Alongamento', 30, 20],
  ['16:00', 'Musculação guiada', 60, 10],
  ['18:00', 'Funcional', 45, 20],
  ['18:00', 'HIIT', 40, 16],
  ['18:30', 'Zumba', 50, 25],
  ['18:30', 'Jump', 45, 2],
  ['19:00', 'Spinning', 45, 20],
  ['19:00', 'Yoga', 60, 15],
  ['19:00', 'Zumba', 50, 25],
  ['20:00', 'Muay Thai', 60, 18],
];

const SYSTEM: Actor = { id: 'system', role: 'system' };

export interface Fixture {
  readonly memberId: DocumentId<'member'>;
  readonly otherMemberId: DocumentId<'member'>;
  readonly noPlanMemberId: DocumentId<'member'>;
  readonly sessions: number;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Seeds a unit with what the assistant reads: the unit (hours), two plans, three members (two with an
 * active membership), class types and `days` days of sessions from `today` (local date).
 */
export async function seedAssistantFixture(
  unit: UnitStore,
  unitId: string,
  today: string,
  days = 14,
): Promise<Fixture> {
  const timeZone = 'America/Sao_Paulo';
  const store = unit.store;
  await store.upsert('unit', deterministicDocId('unit', unitId), {
    name: 'GymEdge Paulista',
    timeZone,
    city: 'São Paulo',
    state: 'SP',
    address: 'Av. Paulista, 1000',
    currency: 'BRL',
    openingHours: {
      mon: { opens: '05:30', closes: '23:00' },
      tue: { opens: '05:30', closes: '23:00' },
      wed: { opens: '05:30', closes: '23:00' },
      thu: { opens: '05:30', closes: '23:00' },
      fri: { opens: '05:30', closes: '22:00' },
      sat: { opens: '07:00', closes: '17:00' },
      sun: { opens: '08:00', closes: '13:00' },
    },
  });
  const monthly = deterministicDocId('plan', 'assistant-monthly');
  await store.upsert('plan', monthly, {
    name: 'Mensal Livre',
    priceCents: 14990,
    currency: 'BRL',
    billingPeriod: 'monthly',
    access: 'home',
    active: true,
  });
  await store.upsert('plan', deterministicDocId('plan', 'assistant-annual'), {
    name: 'Anual Rede',
    priceCents: 129900,
    currency: 'BRL',
    billingPeriod: 'annual',
    access: 'all',
    active: true,
  });
  const create = async (name: string) =>
    (await unit.members.create(MemberCreateInput.parse({ name }), SYSTEM)).id as DocumentId<'member'>;
  const memberId = await create('Ana Souza');
  const otherMemberId = await create('Bruno Lima');
  const noPlanMemberId = await create('Carla Dias');
  for (const [key, member] of [
    ['ana', memberId],
    ['bruno', otherMemberId],
  ] as const) {
    await store.create(
      'membership',
      {
        memberId: member,
        planId: monthly,
        status: 'active',
        startDate: addDays(today, -20),
        endDate: addDays(today, 40),
        priceCents: 14990,
        autoRenew: true,
      },
      { id: deterministicDocId('membership', `assistant-${key}`) },
    );
  }
  const types = new Map<string, DocumentId<'classType'>>();
  for (const [, name, minutes, capacity] of FIXTURE_TIMETABLE) {
    if (types.has(name)) continue;
    const id = deterministicDocId('classType', `assistant-${name}`);
    await store.upsert('classType', id, {
      name,
      category: 'other',
      durationMin: minutes,
      defaultCapacity: capacity,
      intensity: 'medium',
    });
    types.set(name, id);
  }
  const writes: Promise<unknown>[] = [];
  for (let d = 0; d < days; d += 1) {
    const date = addDays(today, d);
    for (const [time, name, minutes, capacity] of FIXTURE_TIMETABLE) {
      const startsAt = zonedToUtc(date, time, timeZone);
      writes.push(
        store.create('classSession', {
          classTypeId: types.get(name) as DocumentId<'classType'>,
          title: name,
          startsAt,
          endsAt: new Date(Date.parse(startsAt) + minutes * 60_000).toISOString(),
          timeZone,
          room: 'Sala 1',
          capacity,
          status: 'scheduled',
          bookings: {},
          waitlist: {},
        }),
      );
    }
  }
  await Promise.all(writes);
  return { memberId, otherMemberId, noPlanMemberId, sessions: writes.length };
}
