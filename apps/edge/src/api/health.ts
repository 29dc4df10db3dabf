import { z } from 'zod';

/** The state of this unit's appliance, as `/health` reports it. */
export const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded']).describe('degraded answers with HTTP 503'),
    unitId: z.string(),
    version: z.string(),
    uptimeSeconds: z.number().nonnegative(),
    storage: z.object({
      ok: z.boolean(),
      path: z.string().describe('data directory (only in the authenticated report)'),
      documents: z.number().int().nonnegative(),
      quarantined: z
        .number()
        .int()
        .nonnegative()
        .describe('remote changes kept aside because they broke a schema'),
      pendingWrites: z.number().int().nonnegative(),
      sizeBytes: z.number().int().nonnegative(),
    }),
    sync: z.object({
      state: z.enum(['not_configured', 'connected', 'disconnected']),
      pendingChanges: z.number().int().nonnegative(),
      lastSyncAt: z.string().optional().describe('ISO-8601 UTC'),
    }),
    reasons: z.array(z.string()).optional().describe('why the unit is degraded, in plain words'),
  })
  .describe('Health of this unit');
/** The state of this unit's appliance: storage, sync, version; `degraded` when something needs a look. */
export type HealthReport = z.infer<typeof HealthReport>;

/** The public report: the same minus the data directory path, which only system:read may see. */
export const PublicHealthReport = HealthReport.extend({
  storage: HealthReport.shape.storage.omit({ path: true }),
}).describe('Health of this unit (public)');
export type PublicHealthReport = z.infer<typeof PublicHealthReport>;

export function publicHealth(report: HealthReport): PublicHealthReport {
  const { path: _path, ...storage } = report.storage;
  return { ...report, storage };
}
