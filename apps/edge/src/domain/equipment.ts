import type { EquipmentDoc, MaintenanceEntry } from '@gymedge/crdt-schema';
import { addDays } from './calendar.ts';

/** The status a maintenance entry leaves the machine in, unless the entry says otherwise. */
export const STATUS_AFTER: Record<MaintenanceEntry['kind'], EquipmentDoc['status']> = {
  inspection: 'ok',
  service: 'ok',
  repair: 'ok',
  fault_reported: 'out_of_order',
  back_in_service: 'ok',
};

/** Records a maintenance entry under `key`: the history grows, the status follows, service dates move. */
export function maintenancePatch(
  equipment: EquipmentDoc,
  entry: Omit<MaintenanceEntry, 'statusAfter'> & { statusAfter?: EquipmentDoc['status'] },
  key: string,
): Pick<EquipmentDoc, 'maintenance' | 'status'> & { lastServiceOn?: string } {
  const statusAfter = entry.statusAfter ?? STATUS_AFTER[entry.kind];
  const serviced = entry.kind === 'service' || entry.kind === 'repair' || entry.kind === 'inspection';
  return {
    maintenance: { [key]: { ...entry, statusAfter } },
    status: statusAfter,
    ...(serviced && (equipment.lastServiceOn === undefined || entry.at.slice(0, 10) > equipment.lastServiceOn)
      ? { lastServiceOn: entry.at.slice(0, 10) }
      : {}),
  };
}

/** The history, newest first. */
export function maintenanceHistory(equipment: EquipmentDoc): Array<MaintenanceEntry & { key: string }> {
  return Object.entries(equipment.maintenance ?? {})
    .map(([key, entry]) => ({ key, ...entry }))
    .sort((a, b) => b.at.localeCompare(a.at));
}

/** Is a service due (never serviced, or the last one older than `intervalDays`)? */
export function serviceDue(equipment: EquipmentDoc, today: string, intervalDays = 90): boolean {
  if (equipment.status !== 'ok') return false;
  if (equipment.lastServiceOn === undefined) return true;
  return addDays(equipment.lastServiceOn, intervalDays) <= today;
}
