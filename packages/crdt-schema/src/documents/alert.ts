import { z } from 'zod';
import { docIdOf, envelope, IsoInstant, Label, Note } from '../common.ts';

/** Something staff should look at: a crowded zone, a risky lift, a broken machine, a unit out of sync. */
export const AlertDoc = z.strictObject({
  ...envelope('alert', 1),
  kind: z.enum(['occupancy', 'posture', 'equipment_misuse', 'equipment_fault', 'sync', 'system']),
  severity: z.enum(['info', 'warning', 'critical']),
  title: Label(120),
  detail: Note(1000).optional(),
  zoneId: docIdOf('zone').optional(),
  cameraId: docIdOf('camera').optional(),
  equipmentId: docIdOf('equipment').optional(),
  raisedAt: IsoInstant,
  acknowledgedAt: IsoInstant.optional(),
  acknowledgedBy: docIdOf('staff').optional(),
  resolvedAt: IsoInstant.optional(),
});
export type AlertDoc = z.infer<typeof AlertDoc>;
