import { z } from 'zod';
import { envelope, Label } from '../common.ts';

/** An area of a unit that is counted and watched: the weights floor, a studio, the pool. */
export const ZoneDoc = z.strictObject({
  ...envelope('zone', 1),
  name: Label(80),
  kind: z.enum(['floor', 'studio', 'pool', 'reception', 'locker_room', 'outdoor']),
  capacity: z.number().int().positive().optional(),
});
export type ZoneDoc = z.infer<typeof ZoneDoc>;
