import { z } from 'zod';
import { docIdOf, envelope, Label } from '../common.ts';

const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

/**
 * A camera of a unit. Video never leaves the unit: this document holds only where to read it and
 * what to look for. Credentials are never stored here (they would sync); `credentialRef` names a
 * secret kept in the unit's local secret store.
 */
export const CameraDoc = z.strictObject({
  ...envelope('camera', 1),
  name: Label(80),
  source: z
    .string()
    .max(500)
    .refine((s) => !/^[a-z]+:\/\/[^/]*@/i.test(s), 'put camera credentials in credentialRef, not in the URL'),
  credentialRef: z.string().max(80).optional(),
  zoneId: docIdOf('zone').optional(),
  enabled: z.boolean(),
  fps: z.number().min(1).max(30),
  analyses: z.array(z.enum(['occupancy', 'flow', 'posture', 'equipment_use'])),
  /** Counting lines in normalised frame coordinates, with the zone each direction leads into. */
  lines: z
    .array(
      z.strictObject({
        name: Label(40),
        from: Point,
        to: Point,
        inZoneId: docIdOf('zone').optional(),
      }),
    )
    .optional(),
  /** The watched area as a polygon in normalised frame coordinates. */
  polygon: z.array(Point).min(3).optional(),
});
export type CameraDoc = z.infer<typeof CameraDoc>;
