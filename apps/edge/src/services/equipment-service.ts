import type { AlertDoc, DocumentId, EquipmentDoc, MaintenanceEntry, ZoneDoc } from '@gymedge/crdt-schema';
import { maintenanceHistory, maintenancePatch, serviceDue } from '../domain/equipment.ts';
import type { Actor } from './contracts.ts';
import { NotFoundError } from './contracts.ts';
import { entryKey, type OperationsContext } from './operations-context.ts';

type Fields<T> = Omit<T, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'>;

/** Zones, the equipment registry with its maintenance history, and the alerts inbox. */
export class EquipmentService {
  readonly #ctx: OperationsContext;
  constructor(ctx: OperationsContext) {
    this.#ctx = ctx;
  }

  #all<T>(type: 'zone' | 'equipment' | 'alert', limit?: number): T[] {
    const store = this.#ctx.unit.store;
    let ids = store.idsOfType(type);
    // Ids sort by creation time: the newest are last.
    if (limit !== undefined) ids = ids.slice(-limit);
    return ids.map((id) => store.get(id) as T | undefined).filter((doc): doc is T => doc !== undefined);
  }

  zones(): ZoneDoc[] {
    return this.#all<ZoneDoc>('zone').sort((a, b) => a.name.localeCompare(b.name));
  }

  createZone(input: Fields<ZoneDoc>): Promise<ZoneDoc> {
    return this.#ctx.unit.store.create('zone', input);
  }

  /** Equipment with `serviceDue`, grouped by zone on the screen. */
  equipment(): Array<EquipmentDoc & { serviceDue: boolean }> {
    const today = this.#ctx.today();
    return this.#all<EquipmentDoc>('equipment')
      .map((doc) => ({ ...doc, serviceDue: serviceDue(doc, today) }))
      .sort((a, b) => (a.zoneId ?? '').localeCompare(b.zoneId ?? '') || a.name.localeCompare(b.name));
  }

  get(id: string): EquipmentDoc & { history: ReturnType<typeof maintenanceHistory> } {
    const doc = this.#ctx.unit.store.get<'equipment'>(id);
    if (!doc) throw new NotFoundError(`There is no equipment ${id}.`);
    return { ...doc, history: maintenanceHistory(doc) };
  }

  createEquipment(input: Omit<Fields<EquipmentDoc>, 'maintenance'>): Promise<EquipmentDoc> {
    if (input.zoneId && !this.#ctx.unit.store.get<'zone'>(input.zoneId))
      throw new NotFoundError(`There is no zone ${input.zoneId}.`);
    return this.#ctx.unit.store.create('equipment', input);
  }

  /** Records an inspection, service, repair or fault; the status follows. */
  async maintain(
    id: string,
    entry: { kind: MaintenanceEntry['kind']; note?: string; statusAfter?: EquipmentDoc['status'] },
    actor: Actor,
  ): Promise<EquipmentDoc> {
    const doc = this.#ctx.unit.store.get<'equipment'>(id);
    if (!doc) throw new NotFoundError(`There is no equipment ${id}.`);
    const patch = maintenancePatch(
      doc,
      {
        at: this.#ctx.now().toISOString(),
        kind: entry.kind,
        by: actor.id,
        ...(entry.note ? { note: entry.note } : {}),
        ...(entry.statusAfter ? { statusAfter: entry.statusAfter } : {}),
      },
      entryKey(),
    );
    const result = await this.#ctx.unit.store.update<'equipment'>(id, patch as never);
    return result.doc;
  }

  /** The newest alerts (vision, sync, equipment faults), open ones first. */
  alerts(limit = 100): AlertDoc[] {
    return this.#all<AlertDoc>('alert', limit).sort(
      (a, b) =>
        Number(a.resolvedAt !== undefined) - Number(b.resolvedAt !== undefined) ||
        b.raisedAt.localeCompare(a.raisedAt),
    );
  }

  async acknowledge(id: string, actor: Actor, resolve = false): Promise<AlertDoc> {
    const doc = this.#ctx.unit.store.get<'alert'>(id);
    if (!doc) throw new NotFoundError(`There is no alert ${id}.`);
    const now = this.#ctx.now().toISOString();
    const result = await this.#ctx.unit.store.update<'alert'>(id, {
      ...(doc.acknowledgedAt ? {} : { acknowledgedAt: now }),
      ...(actor.id.startsWith('staff:') ? { acknowledgedBy: actor.id as DocumentId<'staff'> } : {}),
      ...(resolve ? { resolvedAt: now } : {}),
    });
    return result.doc;
  }
}
