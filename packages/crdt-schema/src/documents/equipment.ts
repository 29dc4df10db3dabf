import { z } from 'zod';
import { docIdOf, envelope, IsoDate, IsoInstant, Label, Note } from '../common.ts';

/** One entry of a machine's maintenance history (v2). */
export const MaintenanceEntry = z.strictObject({
  at: IsoInstant,
  kind: z.enum(['inspection', 'service', 'repair', 'fault_reported', 'back_in_service']),
  note: Note(500).optional(),
  /** Staff id of who recorded it. */
  by: z.string().max(80).optional(),
  statusAfter: z.enum(['ok', 'maintenance', 'out_of_order']),
});
export type MaintenanceEntry = z.infer<typeof MaintenanceEntry>;

/** A machine or station on the floor. v2 adds its maintenance history, keyed by entry id. */
export const EquipmentDoc = z.strictObject({
  ...envelope('equipment', 2),
  name: Label(80),
  kind: z.enum([
    'treadmill',
    'bike',
    'rower',
    'elliptical',
    'bench',
    'rack',
    'cable',
    'machine',
    'free_weights',
    'other',
  ]),
  zoneId: docIdOf('zone').optional(),
  status: z.enum(['ok', 'maintenance', 'out_of_order']),
  serial: z.string().max(80).optional(),
  purchasedOn: IsoDate.optional(),
  lastServiceOn: IsoDate.optional(),
  notes: Note(1000).optional(),
  maintenance: z.record(z.string().regex(/^[0-9A-Za-z_-]{6,64}$/), MaintenanceEntry).optional(),
});
export type EquipmentDoc = z.infer<typeof EquipmentDoc>;
