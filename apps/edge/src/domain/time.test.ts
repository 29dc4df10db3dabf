import { describe, expect, it } from 'vitest';
import { localDate, zonedToUtc } from './time.ts';

describe('unit clocks', () => {
  it('turns São Paulo wall time into UTC (no DST since 2019)', () => {
    expect(zonedToUtc('2026-11-25', '07:00', 'America/Sao_Paulo')).toBe('2026-11-25T10:00:00.000Z');
    expect(zonedToUtc('2026-01-01', '23:30', 'America/Sao_Paulo')).toBe('2026-01-02T02:30:00.000Z');
  });

  it('follows DST where a zone still has it', () => {
    expect(zonedToUtc('2026-07-01', '09:00', 'Europe/Lisbon')).toBe('2026-07-01T08:00:00.000Z');
    expect(zonedToUtc('2026-12-01', '09:00', 'Europe/Lisbon')).toBe('2026-12-01T09:00:00.000Z');
  });

  it('gives the local date of an instant', () => {
    expect(localDate('2026-11-26T02:00:00.000Z', 'America/Sao_Paulo')).toBe('2026-11-25');
    expect(localDate('2026-11-26T03:00:00.000Z', 'America/Sao_Paulo')).toBe('2026-11-26');
  });
});
