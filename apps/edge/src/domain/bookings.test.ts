import type { ClassSessionDoc, DocumentId } from '@gymedge/crdt-schema';
import { describe, expect, it } from 'vitest';
import {
  attendancePatch,
  closeSessionPatch,
  decideBook,
  decideCancel,
  promote,
  seatHolders,
  seatsLeft,
  waitingLine,
  waitlistPosition,
} from './bookings.ts';
import { addDays } from './calendar.ts';
import { bookingWindow, DEFAULT_CLASS_RULES, noShowBlock, sessionsForWeek, timetableOf } from './classes.ts';

const rules = DEFAULT_CLASS_RULES;
const member = (n: number) =>
  `member:01JD8Q6W0C5V3T2YH4N8K9M${String(n).padStart(3, '0')}`.replace(
    /[ILOU]/g,
    'X',
  ) as DocumentId<'member'>;
const session = (capacity = 2, extra: Partial<ClassSessionDoc> = {}): ClassSessionDoc => ({
  id: 'classSession:01JD8Q6W0C5V3T2YH4N8K9M7PA' as ClassSessionDoc['id'],
  type: 'classSession',
  schemaVersion: 1,
  unitId: 'sp-paulista',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  classTypeId: 'classType:01JD8Q6W0C5V3T2YH4N8K9M7PB' as ClassSessionDoc['classTypeId'],
  title: 'Spinning',
  startsAt: '2026-11-25T10:00:00.000Z',
  endsAt: '2026-11-25T10:45:00.000Z',
  timeZone: 'America/Sao_Paulo',
  capacity,
  status: 'scheduled',
  bookings: {},
  waitlist: {},
  ...extra,
});
/** Applies a patch the way the store merges it (records merged key by key). */
function apply(doc: ClassSessionDoc, patch: Record<string, unknown>): ClassSessionDoc {
  const out = structuredClone(doc) as unknown as Record<string, Record<string, Record<string, unknown>>>;
  for (const field of ['bookings', 'waitlist'] as const) {
    const entries = (patch[field] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, value] of Object.entries(entries))
      out[field] = { ...out[field], [key]: { ...out[field]?.[key], ...value } };
  }
  return out as unknown as ClassSessionDoc;
}
const now = '2026-11-24T12:00:00.000Z';
let keyN = 0;
const key = () => `key${String(++keyN).padStart(4, '0')}`;

function book(doc: ClassSessionDoc, who: DocumentId<'member'>, at = now) {
  const decision = decideBook(doc, rules, { memberId: who, now: at, key: key(), source: 'kiosk' });
  return { decision, doc: 'patch' in decision ? apply(doc, decision.patch) : doc };
}

describe('booking a class', () => {
  it('gives seats until full, then a place in line with its position', () => {
    let doc = session(2);
    const outcomes: string[] = [];
    for (let n = 1; n <= 4; n++) {
      const result = book(doc, member(n), `2026-11-24T12:00:0${n}.000Z`);
      doc = result.doc;
      outcomes.push(
        result.decision.kind === 'waitlisted'
          ? `waitlisted#${result.decision.position}`
          : result.decision.kind,
      );
    }
    expect(outcomes).toEqual(['booked', 'booked', 'waitlisted#1', 'waitlisted#2']);
    expect(seatsLeft(doc)).toBe(0);
    expect(waitlistPosition(doc, member(4))).toBe(2);
  });

  it('never books one member twice nor puts them twice in line', () => {
    let doc = book(session(1), member(1)).doc;
    expect(book(doc, member(1)).decision).toMatchObject({ kind: 'refused', reason: 'already_booked' });
    doc = book(doc, member(2)).doc;
    expect(book(doc, member(2)).decision).toMatchObject({ kind: 'refused', reason: 'already_waitlisted' });
  });

  it('respects the booking window and the session state', () => {
    const opens = bookingWindow(session(), rules).opensAt;
    expect(opens).toBe('2026-11-18T10:00:00.000Z');
    expect(book(session(), member(1), '2026-11-18T09:59:59.000Z').decision).toMatchObject({
      reason: 'not_open_yet',
    });
    expect(book(session(), member(1), '2026-11-25T10:00:00.000Z').decision).toMatchObject({
      reason: 'session_started',
    });
    expect(book(session(2, { status: 'cancelled' }), member(1)).decision).toMatchObject({
      reason: 'session_cancelled',
    });
    const noLine = decideBook(book(session(1), member(1)).doc, rules, {
      memberId: member(2),
      now,
      key: key(),
      source: 'staff',
      waitlist: false,
    });
    expect(noLine).toMatchObject({ kind: 'refused', reason: 'full' });
  });

  it('exactly one of many requests decided one after another gets the last seat', () => {
    let doc = session(5);
    for (let n = 1; n <= 4; n++) doc = book(doc, member(n)).doc;
    const kinds = [];
    for (let n = 10; n < 110; n++) {
      const result = book(doc, member(n));
      doc = result.doc;
      kinds.push(result.decision.kind);
    }
    expect(kinds.filter((kind) => kind === 'booked')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'waitlisted')).toHaveLength(99);
    expect(seatHolders(doc)).toHaveLength(5);
  });
});

describe('cancelling and the waiting line', () => {
  function full() {
    let doc = session(1);
    doc = book(doc, member(1), '2026-11-24T11:00:00.000Z').doc;
    doc = book(doc, member(2), '2026-11-24T11:00:01.000Z').doc;
    doc = book(doc, member(3), '2026-11-24T11:00:02.000Z').doc;
    return doc;
  }

  it('promotes the first in line into the freed seat, in the same write', () => {
    const doc = full();
    const decision = decideCancel(doc, rules, { memberId: member(1), now });
    expect(decision).toMatchObject({ kind: 'cancelled', late: false, promotions: [{ memberId: member(2) }] });
    const after = apply(doc, decision.kind === 'cancelled' ? decision.patch : {});
    expect(seatHolders(after).map((b) => b.memberId)).toEqual([member(2)]);
    expect(waitlistPosition(after, member(3))).toBe(1);
    expect(waitlistPosition(after, member(2))).toBeUndefined();
  });

  it('skips someone who may not take the seat (no credits) and keeps them waiting', () => {
    const decision = decideCancel(full(), rules, { memberId: member(1), now }, (who) => who !== member(2));
    expect(decision).toMatchObject({ promotions: [{ memberId: member(3) }] });
  });

  it('a late cancellation is flagged (the credit is kept); after the start nothing can be cancelled', () => {
    expect(
      decideCancel(full(), rules, { memberId: member(1), now: '2026-11-25T09:00:00.000Z' }),
    ).toMatchObject({ late: true });
    expect(
      decideCancel(full(), rules, { memberId: member(1), now: '2026-11-25T10:00:00.000Z' }),
    ).toMatchObject({
      kind: 'refused',
      reason: 'session_started',
    });
  });

  it('leaving the line moves everyone behind up; someone not booked is told so', () => {
    const doc = full();
    const left = decideCancel(doc, rules, { memberId: member(2), now });
    expect(left.kind).toBe('left_waitlist');
    const after = apply(doc, left.kind === 'left_waitlist' ? left.patch : {});
    expect(waitlistPosition(after, member(3))).toBe(1);
    expect(decideCancel(doc, rules, { memberId: member(9), now })).toMatchObject({ reason: 'not_booked' });
  });

  it('fills every seat a capacity increase frees, in joining order', () => {
    let doc = full();
    doc = { ...doc, capacity: 3 };
    const { promotions } = promote(doc, seatsLeft(doc), now);
    expect(promotions.map((p) => p.memberId)).toEqual([member(2), member(3)]);
    expect(waitingLine(apply(doc, promote(doc, seatsLeft(doc), now).patch))).toHaveLength(0);
  });
});

describe('attendance and no-shows', () => {
  it('marks attendance and turns unmarked seats into no-shows after the class', () => {
    let doc = book(book(session(3), member(1)).doc, member(2)).doc;
    const marked = attendancePatch(doc, member(1), true);
    doc = apply(doc, marked?.patch ?? {});
    expect(closeSessionPatch(doc, '2026-11-25T10:30:00.000Z')).toBeUndefined();
    const closed = apply(doc, closeSessionPatch(doc, '2026-11-25T11:00:00.000Z') ?? {});
    expect(
      Object.values(closed.bookings)
        .map((b) => b.status)
        .sort(),
    ).toEqual(['attended', 'no_show']);
  });

  it('blocks booking after too many no-shows in the window, for the block days', () => {
    const misses = ['2026-11-01T10:00:00.000Z', '2026-11-10T10:00:00.000Z', '2026-11-20T10:00:00.000Z'];
    expect(noShowBlock(misses, '2026-11-21T10:00:00.000Z', rules)).toEqual({
      blocked: true,
      until: '2026-11-27T10:00:00.000Z',
    });
    expect(noShowBlock(misses, '2026-11-28T10:00:00.000Z', rules)).toEqual({ blocked: false });
    expect(noShowBlock(misses.slice(1), '2026-11-21T10:00:00.000Z', rules)).toEqual({ blocked: false });
  });
});

describe('the weekly timetable', () => {
  const slots = [
    {
      classTypeId: 'classType:A',
      title: 'Spinning',
      weekday: 'mon' as const,
      time: '07:00',
      durationMin: 45,
      capacity: 20,
      room: 'Estúdio 1',
    },
    {
      classTypeId: 'classType:B',
      title: 'Yoga',
      weekday: 'sat' as const,
      time: '09:30',
      durationMin: 60,
      capacity: 15,
    },
  ];
  it('generates the week in the unit zone, with stable keys', () => {
    const week = sessionsForWeek(slots, '2026-11-23', 'America/Sao_Paulo');
    expect(week.map((s) => s.startsAt)).toEqual(['2026-11-23T10:00:00.000Z', '2026-11-28T12:30:00.000Z']);
    expect(week[0]?.endsAt).toBe('2026-11-23T10:45:00.000Z');
    expect(sessionsForWeek(slots, '2026-11-23', 'America/Sao_Paulo').map((s) => s.key)).toEqual(
      week.map((s) => s.key),
    );
    expect(() => sessionsForWeek(slots, '2026-11-24', 'America/Sao_Paulo')).toThrow(/Monday/);
  });

  it('reads a week of sessions back into the same timetable (to roll it forward)', () => {
    const week = sessionsForWeek(slots, '2026-11-23', 'America/Sao_Paulo');
    const docs = week.map((planned, i) =>
      session(planned.capacity, {
        title: planned.title,
        startsAt: planned.startsAt,
        endsAt: planned.endsAt,
        ...(planned.room ? { room: planned.room } : {}),
        id: `classSession:${i}` as never,
        classTypeId: planned.classTypeId as never,
      }),
    );
    expect(timetableOf(docs)).toEqual(slots);
    const next = sessionsForWeek(timetableOf(docs), addDays('2026-11-23', 7), 'America/Sao_Paulo');
    expect(next[0]?.startsAt).toBe('2026-11-30T10:00:00.000Z');
  });
});
