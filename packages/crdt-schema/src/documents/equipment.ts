import { z } from 'zod';
import { docIdOf, envelope, IsoDate, Label, Note } from '../common.ts';

/** A machine or station on the floor. */
export const EquipmentDoc = z.strictObject({
  ...envelope('equipment', 1),
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
});
export type EquipmentDoc = z.infer<typeof EquipmentDoc>;
