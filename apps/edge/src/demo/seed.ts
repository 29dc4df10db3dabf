import { randomBytes } from 'node:crypto';
import { type DocType, type DocumentId, deterministicDocId } from '@gymedge/crdt-schema';
import { Inbox } from '@gymedge/store';
import { seedChainDocuments } from '@gymedge/sync-protocol';
import { hashPassword } from '../api/auth.ts';
import { Phone } from '../domain/member.ts';
import { silentLogger } from '../lib/logger.ts';
import type { UnitStore } from '../unit-store.ts';
import { type DemoUnitSpec, generateDemoUnit } from './generate.ts';

export interface SeedSummary {
  readonly members: number;
  readonly memberships: number;
  readonly payments: number;
  readonly sessions: number;
  readonly checkins: number;
  readonly documents: number;
  readonly seconds: number;
}

const ACTOR = { id: 'system:demo', role: 'system' } as const;

/**
 * Fills an empty unit with the demo chain's data (see generate.ts), through the same document store
 * and member service as the API, so the demo exercises the real write path. Ids are derived from
 * the generator's keys: seeding twice would find the same documents.
 */
export async function seedDemoUnit(
  unit: UnitStore,
  spec: DemoUnitSpec,
  onProgress?: (step: string, done: number, total: number) => void,
): Promise<SeedSummary> {
  const started = Date.now();
  const data = generateDemoUnit(spec);
  const { store } = unit;
  const id = <T extends DocType>(type: T, ...key: string[]): DocumentId<T> =>
    deterministicDocId(type, ...key);
  const local = <T extends 'member' | 'membership' | 'payment' | 'classSession'>(type: T, key: string) =>
    id<T>(type, spec.unitId, 'demo', key);

  async function inBatches<T>(
    step: string,
    items: readonly T[],
    write: (item: T) => Promise<unknown>,
    size = 400,
  ): Promise<void> {
    for (let start = 0; start < items.length; start += size) {
      await Promise.all(items.slice(start, start + size).map(write));
      onProgress?.(step, Math.min(items.length, start + size), items.length);
    }
  }

  await store.create(
    'unit',
    {
      name: data.unit.name,
      timeZone: data.unit.timeZone,
      city: data.unit.city,
      state: data.unit.state,
      currency: 'BRL',
      maxOccupancy: data.unit.maxOccupancy,
      openingHours: data.unit.openingHours,
    },
    { id: id('unit', spec.unitId) },
  );
  // Plans and class types are chain-wide, and HQ owns them: the unit seeds them as HQ's own first change,
  // the same bytes HQ seeds (docs/sync.md), so they are never a unit's write to a document only HQ writes.
  await seedChainDocuments({ store, inbox: new Inbox({ store, db: unit.db, logger: silentLogger() }) }, [
    ...data.plans.map(({ key, ...fields }) => ({
      type: 'plan' as const,
      id: id('plan', 'demo', key),
      fields,
    })),
    ...data.classTypes.map(({ key, ...fields }) => ({
      type: 'classType' as const,
      id: id('classType', 'demo', key),
      fields,
    })),
  ]);
  onProgress?.('plans', data.plans.length, data.plans.length);
  onProgress?.('class types', data.classTypes.length, data.classTypes.length);
  // Trainers sign in with their own password, set by a manager; the demo gives them random ones.
  const trainerHash = await hashPassword(randomBytes(18).toString('base64url'));
  // A unit's trainers are the unit's own accounts (`unitId` = the unit): only HQ writes chain-wide ones.
  await inBatches('trainers', data.trainers, async (trainer) => {
    const staffId = id('staff', spec.unitId, 'demo', trainer.key);
    if (store.has(staffId)) return;
    await store.create(
      'staff',
      {
        name: trainer.name,
        login: `${trainer.key}.${spec.unitId}`,
        role: 'trainer',
        units: [spec.unitId],
        passwordHash: trainerHash,
        active: true,
      },
      { id: staffId, unitId: spec.unitId },
    );
  });
  await inBatches('members', data.members, (member) =>
    unit.members.createDocument(
      local('member', member.key),
      {
        status: member.status,
        signupDate: member.signupDate,
        region: member.region,
        churned: member.churned,
        consent: member.consent,
      },
      {
        name: member.name,
        email: member.email,
        phone: Phone.parse(member.phone),
        document: member.document,
        birthDate: member.birthDate,
        gender: member.gender,
      },
      ACTOR,
      { createdAt: `${member.signupDate}T12:00:00.000Z` },
    ),
  );
  await inBatches('memberships', data.memberships, (m) =>
    store.create(
      'membership',
      {
        memberId: local('member', m.memberKey),
        planId: id('plan', 'demo', m.planKey),
        status: m.status,
        startDate: m.startDate,
        priceCents: m.priceCents,
        autoRenew: m.autoRenew,
        ...(m.endDate === undefined ? {} : { endDate: m.endDate }),
        ...(m.frozenUntil === undefined ? {} : { frozenUntil: m.frozenUntil }),
        ...(m.cancelledAt === undefined ? {} : { cancelledAt: m.cancelledAt }),
        ...(m.cancelReason === undefined ? {} : { cancelReason: m.cancelReason }),
      },
      { id: local('membership', m.key), createdAt: `${m.startDate}T12:00:00.000Z` },
    ),
  );
  await inBatches('payments', data.payments, (p) =>
    store.create(
      'payment',
      {
        memberId: local('member', p.memberKey),
        membershipId: local('membership', p.membershipKey),
        amountCents: p.amountCents,
        currency: 'BRL',
        service: p.service,
        method: p.method,
        status: p.status,
        dueDate: p.dueDate,
        timeZone: p.timeZone,
        ...(p.paidAt === undefined ? {} : { paidAt: p.paidAt }),
      },
      { id: local('payment', p.key) },
    ),
  );
  await inBatches('class sessions', data.sessions, (s) =>
    store.create(
      'classSession',
      {
        classTypeId: id('classType', 'demo', s.classTypeKey),
        title: s.title,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        timeZone: s.timeZone,
        room: s.room,
        trainerId: id('staff', spec.unitId, 'demo', s.trainerKey),
        capacity: s.capacity,
        status: s.status,
        bookings: Object.fromEntries(
          s.bookings.map((b) => [
            b.key,
            {
              memberId: local('member', b.memberKey),
              status: b.status,
              bookedAt: b.bookedAt,
              source: b.source,
              ...(b.cancelledAt === undefined ? {} : { cancelledAt: b.cancelledAt }),
            },
          ]),
        ),
        waitlist: Object.fromEntries(
          s.waitlist.map((w) => [
            w.key,
            { memberId: local('member', w.memberKey), joinedAt: w.joinedAt, status: w.status },
          ]),
        ),
      },
      { id: local('classSession', s.key) },
    ),
  );
  const checkins = data.checkins.map((c) => ({
    id: `${spec.unitId}:${c.key}`,
    unitId: spec.unitId,
    memberId: local('member', c.memberKey),
    membershipId: local('membership', c.membershipKey),
    at: c.at,
    localDate: c.date,
    method: c.method,
  }));
  for (let start = 0; start < checkins.length; start += 20_000) {
    const result = unit.checkins.record(checkins.slice(start, start + 20_000));
    if (result.rejected.length > 0) throw new Error(`demo check-in rejected: ${result.rejected[0]?.reason}`);
    onProgress?.('check-ins', Math.min(checkins.length, start + 20_000), checkins.length);
  }
  await store.flush();
  return {
    members: data.members.length,
    memberships: data.memberships.length,
    payments: data.payments.length,
    sessions: data.sessions.length,
    checkins: data.checkins.length,
    documents: store.stats().documents,
    seconds: (Date.now() - started) / 1000,
  };
}
