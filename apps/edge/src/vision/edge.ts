import type { AlertDoc } from '@gymedge/crdt-schema';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type VisionAlertView, visionRoutes } from '../api/routes/vision.ts';
import type { ApiPlugin } from '../api/server.ts';
import {
  startUnitVision,
  type UnitPoseOptions,
  type UnitVision,
  type VisionDocuments,
} from './unit-vision.ts';

/** What the composition root needs from a unit to run its vision. */
export interface EdgeVisionDeps {
  readonly unitId: string;
  readonly dir: string;
  readonly db: Database;
  readonly store: VisionDocuments;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Off: no camera runs, the routes answer with state idle. Default on. */
  readonly enabled?: boolean;
  /** Give the unit a demo camera when it has none (the demo chain). */
  readonly demoCamera?: boolean;
  /** Seconds per occupancy sample; default 60. */
  readonly sampleEverySec?: number;
  /** Pose for `posture` cameras (default on unless GYMEDGE_POSE=off). */
  readonly pose?: UnitPoseOptions;
}

/** The unit's vision as the composition root wires it: routes, health reasons, stop. */
export interface EdgeVision {
  readonly vision: UnitVision;
  readonly plugin: ApiPlugin;
  /** Adds vision's plain-language reasons to a unit health report (degraded when cameras cannot count). */
  decorate<R extends { status: 'ok' | 'degraded'; reasons?: string[] }>(report: R): R;
  stop(): Promise<void>;
}

/** Starts the unit's cameras (never throws for a missing model or a broken camera: those are states). */
export async function startEdgeVision(deps: EdgeVisionDeps): Promise<EdgeVision> {
  const vision = await startUnitVision({
    unitId: deps.unitId,
    dir: deps.dir,
    db: deps.db,
    documents: deps.store,
    logger: deps.logger.child({ module: 'vision' }),
    registry: deps.registry,
    demoCamera: deps.demoCamera ?? false,
    ...(deps.sampleEverySec === undefined ? {} : { sampleEverySec: deps.sampleEverySec }),
    ...(deps.enabled === undefined ? {} : { enabled: deps.enabled }),
    ...(deps.pose === undefined ? {} : { pose: deps.pose }),
  });
  const alerts = (limit: number): VisionAlertView[] =>
    deps.store
      .idsOfType('alert')
      .map((id) => deps.store.get(id) as AlertDoc | undefined)
      .filter((doc): doc is AlertDoc => doc !== undefined)
      .sort((a, b) => b.raisedAt.localeCompare(a.raisedAt))
      .slice(0, limit)
      .map((doc) => ({
        id: doc.id,
        kind: doc.kind,
        severity: doc.severity,
        title: String(doc.title),
        ...(doc.detail === undefined ? {} : { detail: String(doc.detail) }),
        ...(doc.cameraId === undefined ? {} : { cameraId: doc.cameraId }),
        raisedAt: doc.raisedAt,
        ...(doc.acknowledgedAt === undefined ? {} : { acknowledgedAt: doc.acknowledgedAt }),
      }));
  return {
    vision,
    plugin: visionRoutes({ vision, db: deps.db, alerts }),
    decorate(report) {
      const reasons = vision.service.reasons();
      if (reasons.length === 0) return report;
      const health = vision.service.health();
      // Degraded: cameras that cannot count, or cameras that ask for pose while it is unavailable.
      const cannotCount =
        (!health.model.ok && health.cameras.length > 0) ||
        (health.pose.wanted && health.pose.state === 'unavailable');
      return {
        ...report,
        ...(cannotCount ? { status: 'degraded' as const } : {}),
        reasons: [...(report.reasons ?? []), ...reasons],
      };
    },
    stop: () => vision.stop(),
  };
}
