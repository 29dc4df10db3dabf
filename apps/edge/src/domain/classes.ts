import type { ClassSessionDoc } from '@gymedge/crdt-schema';
import { addDays, WEEKDAYS, type Weekday, weekdayIndex } from './calendar.ts';
import { localDate, offsetMs, zonedToUtc } from './time.ts';

/** The unit's booking rules. Every field has a default ({@link DEFAULT_CLASS_RULES}). */
export interface ClassRules {
  /** Booking opens this many hours before the class starts. */
  readonly bookingOpensHours: number;
  /** Booking closes this many minutes before the start (0: until it starts). */
  readonly bookingClosesMinutes: number;
  /** Cancelling less than this many hours before the start is late: the credit is not refunded. */
  readonly lateCancelHours: number;
  /** No-shows within {@link noShowWindowDays} that block new bookings for {@link noShowBlockDays}. */
  readonly noShowLimit: number;
  readonly noShowWindowDays: number;
  readonly noShowBlockDays: number;
}

export const DEFAULT_CLASS_RULES: ClassRules = {
  bookingOpensHours: 7 * 24,
  bookingClosesMinutes: 0,
  lateCancelHours: 2,
  noShowLimit: 3,
  noShowWindowDays: 30,
  noShowBlockDays: 7,
};

/** When booking a session is possible: `open` from `opensAt` to `closesAt`. */
export function bookingWindow(
  session: Pick<ClassSessionDoc, 'startsAt'>,
  rules: ClassRules,
): { opensAt: string; closesAt: string } {
  const start = Date.parse(session.startsAt);
  return {
    opensAt: new Date(start - rules.bookingOpensHours * 3_600_000).toISOString(),
    closesAt: new Date(start - rules.bookingClosesMinutes * 60_000).toISOString(),
  };
}

/** Is a cancellation at `now` late (inside the late-cancel hours)? */
export function isLateCancel(
  session: Pick<ClassSessionDoc, 'startsAt'>,
  now: string,
  rules: ClassRules,
): boolean {
  return Date.parse(session.startsAt) - Date.parse(now) < rules.lateCancelHours * 3_600_000;
}

/** Is the member blocked from booking by no-shows? `noShows` are the ISO start times of missed classes. */
export function noShowBlock(
  noShows: readonly string[],
  now: string,
  rules: ClassRules,
): { blocked: false } | { blocked: true; until: string } {
  const windowStart = Date.parse(now) - rules.noShowWindowDays * 86_400_000;
  const recent = noShows
    .filter((at) => Date.parse(at) >= windowStart && Date.parse(at) <= Date.parse(now))
    .sort();
  if (recent.length < rules.noShowLimit) return { blocked: false };
  const last = recent[recent.length - 1] ?? now;
  const until = new Date(Date.parse(last) + rules.noShowBlockDays * 86_400_000).toISOString();
  return until > now ? { blocked: true, until } : { blocked: false };
}

/** One weekly slot of the timetable: Spinning on Mondays at 07:00 in Studio 1 with Ana, 20 places. */
export interface TimetableSlot {
  readonly classTypeId: string;
  readonly title: string;
  readonly weekday: Weekday;
  /** Local wall time, `HH:MM`. */
  readonly time: string;
  readonly durationMin: number;
  readonly capacity: number;
  readonly room?: string;
  readonly trainerId?: string;
}

/** A session the timetable asks for in a given week (before it becomes a document). */
export interface PlannedSession {
  /** Natural key for a deterministic id: the same slot in the same week is always the same session. */
  readonly key: string;
  readonly classTypeId: string;
  readonly title: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly timeZone: string;
  readonly capacity: number;
  readonly room?: string;
  readonly trainerId?: string;
}

/**
 * The sessions of the week starting `monday` (a local date) for the timetable, in the unit's zone
 * (daylight-saving safe: each start is converted from wall time on its own day).
 */
export function sessionsForWeek(
  slots: readonly TimetableSlot[],
  monday: string,
  timeZone: string,
): PlannedSession[] {
  if (weekdayIndex(monday) !== 0) throw new RangeError(`${monday} is not a Monday`);
  const out: PlannedSession[] = [];
  for (const slot of slots) {
    const day = addDays(monday, WEEKDAYS.indexOf(slot.weekday));
    const startsAt = zonedToUtc(day, slot.time, timeZone);
    out.push({
      key: `${slot.classTypeId}|${startsAt}|${slot.room ?? ''}`,
      classTypeId: slot.classTypeId,
      title: slot.title,
      startsAt,
      endsAt: new Date(Date.parse(startsAt) + slot.durationMin * 60_000).toISOString(),
      timeZone,
      capacity: slot.capacity,
      ...(slot.room === undefined ? {} : { room: slot.room }),
      ...(slot.trainerId === undefined ? {} : { trainerId: slot.trainerId }),
    });
  }
  return out.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.title.localeCompare(b.title));
}

/** Local `HH:MM` of an instant in a zone. */
export function localTime(instant: string, timeZone: string): string {
  const ms = Date.parse(instant) + offsetMs(Date.parse(instant), timeZone);
  return new Date(ms).toISOString().slice(11, 16);
}

/**
 * The timetable a week of sessions follows (the staff console edits a week and rolls it forward):
 * one slot per scheduled session, cancelled ones left out.
 */
export function timetableOf(sessions: readonly ClassSessionDoc[]): TimetableSlot[] {
  return sessions
    .filter((session) => session.status !== 'cancelled')
    .map((session) => {
      const day = localDate(session.startsAt, session.timeZone);
      return {
        classTypeId: session.classTypeId,
        title: session.title,
        weekday: WEEKDAYS[weekdayIndex(day)] ?? 'mon',
        time: localTime(session.startsAt, session.timeZone),
        durationMin: Math.round((Date.parse(session.endsAt) - Date.parse(session.startsAt)) / 60_000),
        capacity: session.capacity,
        ...(session.room === undefined ? {} : { room: session.room }),
        ...(session.trainerId === undefined ? {} : { trainerId: session.trainerId }),
      };
    });
}
