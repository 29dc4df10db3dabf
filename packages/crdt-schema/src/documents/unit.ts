import { z } from 'zod';
import { Currency, envelope, Label, TimeZone } from '../common.ts';

/** A gym of the chain: its name, place and clock. */
export const UnitDoc = z.strictObject({
  ...envelope('unit', 1),
  name: Label(),
  timeZone: TimeZone,
  city: Label(80),
  state: z.string().regex(/^[A-Z]{2}$/, 'a Brazilian state code like SP'),
  address: Label(200).optional(),
  currency: Currency,
  /** Most people allowed on the floor at once (fire code). */
  maxOccupancy: z.number().int().positive().optional(),
  openingHours: z
    .record(
      z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
      z.strictObject({ opens: z.string().regex(/^\d{2}:\d{2}$/), closes: z.string().regex(/^\d{2}:\d{2}$/) }),
    )
    .optional(),
});
export type UnitDoc = z.infer<typeof UnitDoc>;
