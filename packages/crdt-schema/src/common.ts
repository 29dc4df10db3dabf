import { z } from 'zod';
import { DOC_TYPES, type DocType, type DocumentId, isDocId } from './ids.ts';

/** An ISO-8601 instant in UTC, e.g. `2026-11-25T13:05:00.000Z`. */
export const IsoInstant = z.iso.datetime({
  offset: false,
  message: 'must be an ISO-8601 UTC time like 2026-11-25T13:05:00Z',
});

/** A calendar date, `YYYY-MM-DD`. */
export const IsoDate = z.iso.date({ message: 'must be a date like 2026-11-25' });

/** An IANA time zone name, e.g. `America/Sao_Paulo`. */
const knownZones = new Set<string>();
export const TimeZone = z.string().refine(
  (zone) => {
    if (knownZones.has(zone)) return true;
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      if (knownZones.size < 1000) knownZones.add(zone);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone like America/Sao_Paulo' },
);

/** Money is always an integer number of cents. */
export const Cents = z.number().int('money is kept in whole cents').min(0).max(100_000_000_00);
export const Currency = z.literal('BRL');

/** A unit id: lower-case slug, e.g. `sp-paulista`. */
export const UnitId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'a unit id is a lower-case slug like sp-paulista');

/** A short single-line label (names of plans, rooms, equipment): no control characters nor markup. */
export const Label = (max = 120) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .regex(/^[^<>{}\\\p{Cc}]*$/u, 'must not contain <, >, {, }, \\ or control characters');

/** A free-text note shown to staff (never rendered as HTML). */
export const Note = (max = 2000) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** Bytes sealed with a member's key (AES-256-GCM); see the member document. */
export const Sealed = z.instanceof(Uint8Array, { message: 'must be sealed bytes' });

export function docIdOf<T extends DocType>(type: T) {
  return z
    .string()
    .refine((value): value is DocumentId<T> => isDocId(value, type), { message: `must be a ${type} id` });
}

/** Fields every document carries. `unitId` is the unit that owns it, or `chain` for chain-wide documents. */
export function envelope<T extends DocType, V extends number>(type: T, schemaVersion: V) {
  return {
    id: docIdOf(type),
    type: z.literal(type),
    schemaVersion: z.literal(schemaVersion),
    unitId: z.union([UnitId, z.literal('chain')]),
    createdAt: IsoInstant,
    updatedAt: IsoInstant,
  };
}

export const DocTypeSchema = z.enum(DOC_TYPES);
