import {
  type ClassSessionDoc,
  type ClassTypeDoc,
  type DocumentId,
  deterministicDocId,
} from '@gymedge/crdt-schema';
import type { Patch } from '@gymedge/store';
import { promote, seatsLeft } from '../domain/bookings.ts';
import { type PlannedSession, sessionsForWeek, timetableOf } from '../domain/classes.ts';
import { zonedToUtc } from '../domain/time.ts';
import { InputError, NotFoundError } from './contracts.ts';
import type { OperationsContext } from './operations-context.ts';

/** Fields staff may set on a session. */
export interface SessionInput {
  readonly classTypeId: string;
  readonly title?: string;
  /** Local date and wall time at the unit. */
  readonly date: string;
  readonly time: string;
  readonly durationMin?: number;
  readonly capacity?: number;
  readonly room?: string;
  readonly trainerId?: string;
}

/** Class types, sessions and the weekly timetable (edit a week, roll it forward). */
export class TimetableService {
  readonly #ctx: OperationsContext;
  constructor(ctx: OperationsContext) {
    this.#ctx = ctx;
  }

  classTypes(): ClassTypeDoc[] {
    return this.#ctx.unit.store
      .idsOfType('classType')
      .map((id) => this.#ctx.unit.store.get<'classType'>(id))
      .filter((doc): doc is ClassTypeDoc => doc !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async createClassType(
    input: Omit<ClassTypeDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'>,
  ) {
    // A class type made at a unit is that unit's own: the chain's catalogue is HQ's to write (docs/sync.md).
    return this.#ctx.unit.store.create('classType', input, { unitId: this.#ctx.unitId });
  }

  #classType(id: string): ClassTypeDoc {
    const doc = this.#ctx.unit.store.get<'classType'>(id);
    if (!doc) throw new NotFoundError(`There is no class type ${id}.`);
    return doc;
  }

  #create(planned: PlannedSession): Promise<{ doc: ClassSessionDoc; changed: boolean }> {
    const id = deterministicDocId('classSession', this.#ctx.unitId, 'timetable', planned.key);
    if (this.#ctx.unit.store.has(id))
      return Promise.resolve({
        doc: this.#ctx.unit.store.get<'classSession'>(id) as ClassSessionDoc,
        changed: false,
      });
    return this.#ctx.unit.store
      .create(
        'classSession',
        {
          classTypeId: planned.classTypeId as DocumentId<'classType'>,
          title: planned.title,
          startsAt: planned.startsAt,
          endsAt: planned.endsAt,
          timeZone: planned.timeZone,
          capacity: planned.capacity,
          status: 'scheduled',
          bookings: {},
          waitlist: {},
          ...(planned.room ? { room: planned.room } : {}),
          ...(planned.trainerId ? { trainerId: planned.trainerId as DocumentId<'staff'> } : {}),
        },
        { id },
      )
      .then((doc) => ({ doc, changed: true }));
  }

  /** One new session. */
  async createSession(input: SessionInput): Promise<ClassSessionDoc> {
    const type = this.#classType(input.classTypeId);
    const zone = this.#ctx.timeZone();
    const startsAt = zonedToUtc(input.date, input.time, zone);
    const duration = input.durationMin ?? type.durationMin;
    const { doc } = await this.#create({
      key: `${type.id}|${startsAt}|${input.room ?? ''}`,
      classTypeId: type.id,
      title: input.title ?? type.name,
      startsAt,
      endsAt: new Date(Date.parse(startsAt) + duration * 60_000).toISOString(),
      timeZone: zone,
      capacity: input.capacity ?? type.defaultCapacity,
      ...(input.room ? { room: input.room } : {}),
      ...(input.trainerId ? { trainerId: input.trainerId } : {}),
    });
    return doc;
  }

  /**
   * Changes a session: capacity (more seats promote the waiting line at once; fewer than the seats
   * taken is refused), room, trainer, title, or cancels it.
   */
  async updateSession(
    id: string,
    input: {
      capacity?: number;
      room?: string;
      title?: string;
      trainerId?: string;
      status?: 'scheduled' | 'cancelled';
    },
  ): Promise<ClassSessionDoc> {
    const session = this.#ctx.unit.store.get<'classSession'>(id);
    if (!session) throw new NotFoundError(`There is no class session ${id}.`);
    const patch: Record<string, unknown> = {};
    if (input.room !== undefined) patch.room = input.room;
    if (input.title !== undefined) patch.title = input.title;
    if (input.trainerId !== undefined) patch.trainerId = input.trainerId;
    if (input.status !== undefined) patch.status = input.status;
    if (input.capacity !== undefined) {
      const taken = session.capacity - seatsLeft(session);
      if (input.capacity < taken)
        throw new InputError(`${taken} members already have a seat; the capacity cannot go below that.`);
      patch.capacity = input.capacity;
      const grown = { ...session, capacity: input.capacity };
      const { patch: promoted } = promote(grown, seatsLeft(grown), this.#ctx.now().toISOString());
      Object.assign(patch, promoted);
    }
    const { doc } = await this.#ctx.unit.store.update<'classSession'>(id, patch as Patch<ClassSessionDoc>);
    return doc;
  }

  /**
   * Copies the timetable of the week starting `fromMonday` to the week starting `toMonday` (both local
   * Mondays). Idempotent: a slot already there is not created twice.
   */
  async copyWeek(fromMonday: string, toMonday: string): Promise<{ created: number; existing: number }> {
    const zone = this.#ctx.timeZone();
    const start = zonedToUtc(fromMonday, '00:00', zone);
    const end = new Date(Date.parse(start) + 7 * 86_400_000).toISOString();
    const rows = this.#ctx.unit.db
      .prepare<[string, string], { doc_id: string }>(
        'SELECT doc_id FROM class_session_index WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at',
      )
      .all(start, end);
    const docs = rows
      .map((row) => this.#ctx.unit.store.get<'classSession'>(row.doc_id))
      .filter((doc): doc is ClassSessionDoc => doc !== undefined);
    const planned = sessionsForWeek(timetableOf(docs), toMonday, zone);
    const results = await Promise.all(planned.map((p) => this.#create(p)));
    const created = results.filter((r) => r.changed).length;
    return { created, existing: results.length - created };
  }
}
