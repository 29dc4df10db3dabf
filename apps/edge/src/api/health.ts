import { statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
      pendingRecords: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe('check-ins and events not shipped yet'),
      lagSeconds: z
        .number()
        .nonnegative()
        .optional()
        .describe('age of the oldest change HQ has not acknowledged'),
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

/** What {@link checkUnitHealth} looks at; each probe is cheap enough to run on every `/health` call. */
export interface UnitHealthProbes {
  readonly unitId: string;
  readonly version: string;
  /** When the unit started (ms since the epoch). */
  readonly startedAt: number;
  /** The unit's data folder. */
  readonly dir: string;
  readonly stats: () => {
    readonly documents: number;
    readonly quarantined: number;
    readonly pendingWrites: number;
    readonly changeLogSize: number;
  };
  readonly sizeBytes: () => number;
  /** Writes one row in the unit's database and commits it (throws when the database cannot be written). */
  readonly writeProbe: () => void;
  /** Logins that more than one account claims (nobody can sign in with them). */
  readonly sharedLogins?: () => readonly string[];
  /** Below this much free space in the data folder the unit is degraded; default 200 MiB. */
  readonly minFreeBytes?: number;
  readonly now?: () => number;
}

function failure(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code === '' ? String(error instanceof Error ? error.message : error) : code;
}

/**
 * The unit's real health: the data folder and the database can be written, the disk has room, nothing
 * waits in quarantine, every login is unambiguous. Any failure makes the status `degraded` (HTTP 503) and
 * says why in plain words.
 */
export function checkUnitHealth(probes: UnitHealthProbes): HealthReport {
  const now = probes.now ?? Date.now;
  const stats = probes.stats();
  const reasons: string[] = [];
  let storageOk = true;
  try {
    const probe = join(probes.dir, '.health-probe');
    writeFileSync(probe, String(now()), { mode: 0o600 });
    unlinkSync(probe);
  } catch (error) {
    storageOk = false;
    reasons.push(`the data folder cannot be written (${failure(error)})`);
  }
  try {
    probes.writeProbe();
  } catch (error) {
    storageOk = false;
    reasons.push(`the database cannot be written (${failure(error)})`);
  }
  try {
    const fs = statfsSync(probes.dir);
    const free = fs.bavail * fs.bsize;
    const min = probes.minFreeBytes ?? 200 * 1024 * 1024;
    if (free < min) {
      storageOk = false;
      reasons.push(
        `only ${Math.floor(free / (1024 * 1024))} MiB free on the data disk (needs ${Math.ceil(min / (1024 * 1024))} MiB)`,
      );
    }
  } catch (error) {
    storageOk = false;
    reasons.push(`the free space of the data disk cannot be read (${failure(error)})`);
  }
  if (stats.quarantined > 0) reasons.push(`${stats.quarantined} change(s) in quarantine need a look`);
  const shared = probes.sharedLogins?.() ?? [];
  if (shared.length > 0) {
    reasons.push(`${shared.length} login(s) belong to more than one account and sign nobody in: rename one`);
  }
  return {
    status: reasons.length === 0 ? 'ok' : 'degraded',
    unitId: probes.unitId,
    version: probes.version,
    uptimeSeconds: Math.round((now() - probes.startedAt) / 1000),
    storage: {
      ok: storageOk,
      path: probes.dir,
      documents: stats.documents,
      quarantined: stats.quarantined,
      pendingWrites: stats.pendingWrites,
      sizeBytes: probes.sizeBytes(),
    },
    sync: { state: 'not_configured', pendingChanges: stats.changeLogSize },
    ...(reasons.length > 0 ? { reasons } : {}),
  };
}
