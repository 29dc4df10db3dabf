import { describe, expect, it } from 'vitest';
import { DOC_TYPES, deterministicDocId, isDocId, newDocId, parseDocId } from './ids.ts';
import { REGISTRY } from './registry.ts';
import { validateDocument } from './validate.ts';

const now = '2026-11-25T13:00:00.000Z';
const base = (type: string, id: string, version = 1) => ({
  id,
  type,
  schemaVersion: version,
  unitId: 'sp-paulista',
  createdAt: now,
  updatedAt: now,
});

describe('document ids', () => {
  it('are typed, unique and sort by creation time', () => {
    const a = newDocId('member', 1_700_000_000_000);
    const b = newDocId('member', 1_700_000_000_001);
    const c = newDocId('member', 1_700_000_000_001);
    expect(a).toMatch(/^member:[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b && b < c).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newDocId('plan'))).size).toBe(1000);
  });

  it('are the same for the same natural key and different otherwise', () => {
    expect(deterministicDocId('member', 'sp-paulista', 'CS5295')).toBe(
      deterministicDocId('member', 'sp-paulista', 'CS5295'),
    );
    expect(deterministicDocId('member', 'sp-paulista', 'CS5295')).not.toBe(
      deterministicDocId('member', 'rj-copacabana', 'CS5295'),
    );
    expect(isDocId(deterministicDocId('classSession', 'x', '2026-01-01'), 'classSession')).toBe(true);
  });

  it('reject anything that is not an id of a known type', () => {
    expect(parseDocId('member:01JD8Q6W0C5V3T2YH4N8K9M7PA')).toEqual({
      type: 'member',
      body: '01JD8Q6W0C5V3T2YH4N8K9M7PA',
    });
    for (const bad of [
      'member',
      'member:',
      'ghost:01JD8Q6W0C5V3T2YH4N8K9M7PA',
      'member:01JD8Q6W0C5V3T2YH4N8K9M7P',
      "member:' OR 1=1--",
    ]) {
      expect(parseDocId(bad)).toBeUndefined();
    }
    expect(isDocId('plan:01JD8Q6W0C5V3T2YH4N8K9M7PA', 'member')).toBe(false);
  });
});

describe('the registry', () => {
  it('has a schema, a version and one migration per version step for every document type', () => {
    for (const type of DOC_TYPES) {
      const spec = REGISTRY[type];
      expect(spec.version).toBeGreaterThanOrEqual(1);
      expect(spec.migrations).toHaveLength(spec.version - 1);
    }
  });
});

describe('validateDocument', () => {
  const plan = {
    ...base('plan', newDocId('plan'), REGISTRY.plan.version),
    unitId: 'chain',
    name: 'Mensal',
    priceCents: 12990,
    currency: 'BRL',
    billingPeriod: 'monthly',
    access: 'home',
    active: true,
  };

  it('accepts a valid document', () => {
    expect(validateDocument(plan)).toMatchObject({ ok: true, type: 'plan' });
  });

  it('explains what is wrong, field by field', () => {
    const result = validateDocument({ ...plan, priceCents: 129.9, currency: 'USD' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('priceCents: money is kept in whole cents');
      expect(result.reason).toContain('currency');
    }
  });

  it('refuses unknown fields, unknown types and the wrong type', () => {
    expect(validateDocument({ ...plan, discount: 10 }).ok).toBe(false);
    expect(validateDocument({ ...plan, type: 'ghost' })).toMatchObject({
      ok: false,
      reason: 'unknown document type "ghost"',
    });
    expect(validateDocument(plan, 'member')).toMatchObject({
      ok: false,
      reason: 'expected a member document, found a plan',
    });
  });

  it('asks for a migration for an older version and refuses a newer one', () => {
    const member = { ...base('member', newDocId('member'), 1), status: 'active', pii: {} };
    expect(validateDocument(member)).toMatchObject({
      ok: false,
      needsMigration: { type: 'member', from: 1, to: 2 },
    });
    const migrated: Record<string, unknown> = structuredClone(member);
    REGISTRY.member.migrations[0]?.(migrated);
    expect(validateDocument(migrated)).toMatchObject({ ok: true });
    expect(validateDocument({ ...plan, schemaVersion: REGISTRY.plan.version + 1 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/newer than this build/),
    });
  });

  it('keeps camera credentials out of synced documents', () => {
    const camera = {
      ...base('camera', newDocId('camera')),
      name: 'Entrada',
      enabled: true,
      fps: 10,
      analyses: ['occupancy'],
    };
    expect(validateDocument({ ...camera, source: 'rtsp://cam.local/stream1' }).ok).toBe(true);
    const leaked = validateDocument({ ...camera, source: 'rtsp://admin:senha@cam.local/stream1' });
    expect(leaked.ok === false && leaked.reason).toMatch(/credentialRef/);
  });

  it('refuses markup in labels', () => {
    expect(validateDocument({ ...plan, name: '<script>alert(1)</script>' }).ok).toBe(false);
  });
});
