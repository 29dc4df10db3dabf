import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertDoc, CameraDoc } from '@gymedge/crdt-schema';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { normaliseLayout, ZonesFile } from './analyze.ts';
import { demoCameraSource } from './demo-camera.ts';
import { createYoloxDetector, type PersonDetector } from './detector.ts';
import { jpegSize } from './ingest.ts';
import { LivePose, type PoseBackend } from './live-pose.ts';
import { DEFAULT_DETECTOR, resolveModel } from './models.ts';
import type { PoseModel } from './pose.ts';
import type { SafetyFinding } from './rules.ts';
import { type CameraConfig, sampleZoneId, VisionService, type VisionSink } from './service.ts';
import { pruneSnapshots, writeBlurredSnapshot } from './snapshot.ts';

/** The slice of the unit's document store vision uses (structural, so it follows the store wherever it lives). */
export interface VisionDocuments {
  idsOfType(type: 'camera' | 'alert'): string[];
  get(id: string): unknown;
  create(
    type: 'camera',
    fields: Omit<CameraDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'>,
  ): Promise<{ id: string }>;
  create(
    type: 'alert',
    fields: Omit<AlertDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'>,
  ): Promise<{ id: string }>;
}

export interface UnitVisionOptions {
  readonly unitId: string;
  /** The unit's data folder; vision keeps `vision/layout.json` and `vision/snapshots/` in it. */
  readonly dir: string;
  readonly db: Database;
  readonly documents: VisionDocuments;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Off: no camera runs (the model is still checked, so health can say whether vision could). */
  readonly enabled?: boolean;
  /** Create a demo camera (sample footage, looped) when the unit has none. */
  readonly demoCamera?: boolean;
  readonly detector?: () => Promise<PersonDetector>;
  /** Days alert snapshots are kept before they are deleted; default 7 (GYMEDGE_SNAPSHOT_DAYS). */
  readonly snapshotRetentionDays?: number;
  readonly sampleEverySec?: number;
  /**
   * Pose for cameras whose document asks for `posture` (docs/vision.md). Default: on unless
   * GYMEDGE_POSE=off; model GYMEDGE_POSE_MODEL (lite); at most GYMEDGE_POSE_FPS (5) frames a second.
   */
  readonly pose?: UnitPoseOptions;
}

export interface UnitPoseOptions {
  readonly enabled?: boolean;
  readonly model?: PoseModel;
  readonly fps?: number;
  /** Starts the estimator (tests give a scripted one); default: PoseLandmarker in headless Chromium. */
  readonly start?: (model: PoseModel) => Promise<PoseBackend>;
}

/** Pose rate of the demo camera: low, so two demo units stay light on a 2-core machine (docs/vision.md). */
export const DEMO_POSE_FPS = 2;

const LayoutStore = z.record(z.string(), ZonesFile);

/** The unit's vision: cameras from its camera documents, zones from its local layout file, facts into its tables. */
export interface UnitVision {
  readonly service: VisionService;
  readonly snapshotsDir: string;
  /** The layout (normalised zones and lines) of a camera, as the editor shows it. */
  layout(cameraId: string): ZonesFile;
  /** Saves a camera's layout to the unit (local file) and applies it at once. */
  saveLayout(cameraId: string, layout: ZonesFile): void;
  stop(): Promise<void>;
}

/**
 * Samples written by earlier versions under `<camera id>/<layout zone id>` could never sync (the protocol
 * wants a document id) and held back every occupancy batch: rewrite them to {@link sampleZoneId}.
 */
export function repairSampleZoneIds(db: Database, logger: Logger): void {
  const old = db
    .prepare("SELECT DISTINCT zone_id AS zoneId FROM occupancy_samples WHERE zone_id LIKE 'camera:%/%'")
    .all() as { zoneId: string }[];
  if (old.length === 0) return;
  const update = db.prepare('UPDATE occupancy_samples SET zone_id = ? WHERE zone_id = ?');
  db.transaction(() => {
    for (const { zoneId } of old) {
      const slash = zoneId.indexOf('/');
      update.run(sampleZoneId(zoneId.slice(0, slash), zoneId.slice(slash + 1)), zoneId);
    }
  })();
  logger.info({ zones: old.length }, 'vision: occupancy samples re-keyed so that they can sync');
}

/** The sink that writes the unit's append-only tables and alert documents. No image goes into any of them. */
export function unitSink(options: {
  readonly db: Database;
  readonly documents: VisionDocuments;
  readonly snapshotsDir: string;
  readonly logger: Logger;
}): VisionSink {
  repairSampleZoneIds(options.db, options.logger);
  const insertEvent = options.db.prepare('INSERT INTO events (id, kind, at, payload) VALUES (?, ?, ?, ?)');
  const insertSample = options.db.prepare(
    'INSERT INTO occupancy_samples (id, zone_id, at, people) VALUES (?, ?, ?, ?)',
  );
  const isDocId = (type: string, id: string | undefined) =>
    id !== undefined && new RegExp(`^${type}:[0-9A-HJKMNP-TV-Z]{26}$`).test(id);
  return {
    occupancy(zoneId, at, people) {
      insertSample.run(randomUUID(), zoneId, at, people);
    },
    event(kind, at, payload) {
      insertEvent.run(randomUUID(), kind, at, JSON.stringify(payload));
    },
    async alert(finding: SafetyFinding, camera: CameraConfig, frame) {
      const id = randomUUID();
      let snapshot: string | undefined;
      if (frame) {
        mkdirSync(options.snapshotsDir, { recursive: true, mode: 0o700 });
        snapshot = `${id}.jpg`;
        const size = jpegSize(frame.jpeg);
        await writeBlurredSnapshot(
          frame.jpeg,
          size.width,
          size.height,
          frame.people,
          join(options.snapshotsDir, snapshot),
        );
      }
      const doc = await options.documents.create('alert', {
        kind: finding.kind,
        severity: finding.severity,
        title: finding.title['pt-BR'],
        detail: `${finding.title.en}. Camera ${camera.name}${finding.zoneId ? `, zone ${finding.zoneId}` : ''}${finding.trackId === undefined ? '' : `, person #${finding.trackId}`}.${snapshot ? ` Snapshot (faces blurred, kept on this unit only): ${snapshot}` : ''}`,
        ...(isDocId('camera', camera.id) ? { cameraId: camera.id as AlertDoc['cameraId'] & string } : {}),
        ...(isDocId('zone', finding.zoneId) ? { zoneId: finding.zoneId as AlertDoc['zoneId'] & string } : {}),
        raisedAt: new Date().toISOString(),
      });
      insertEvent.run(
        randomUUID(),
        `vision.alert.${finding.rule}`,
        new Date().toISOString(),
        JSON.stringify({ cameraId: camera.id, alertId: doc.id }),
      );
      options.logger.warn({ camera: camera.id, rule: finding.rule, alert: doc.id }, 'vision alert raised');
    },
  };
}

export { jpegSize };

function cameraFromDoc(doc: CameraDoc, layout: ZonesFile | undefined, poseFps: number): CameraConfig {
  const own: ZonesFile = layout ?? {
    zones: doc.polygon ? [{ id: doc.zoneId ?? doc.id, name: doc.name, polygon: doc.polygon }] : [],
    lines: (doc.lines ?? []).map((l, i) => ({ id: `line-${i + 1}`, name: l.name, from: l.from, to: l.to })),
  };
  const normalised = normaliseLayout(own, 1, 1);
  return {
    id: doc.id,
    name: doc.name,
    source: doc.source,
    fps: doc.fps,
    loop: !/^[a-z]+:\/\//i.test(doc.source),
    ...normalised,
    ...(doc.analyses.includes('posture')
      ? {
          pose: {
            fps: Math.min(doc.fps, layout?.pose?.fps ?? poseFps),
            ...(layout?.pose?.maxPeople === undefined ? {} : { maxPeople: layout.pose.maxPeople }),
          },
        }
      : {}),
  };
}

/**
 * Starts the unit's vision. Never throws for a missing model or a bad camera: those are states that
 * /health and the camera screen report.
 */
export async function startUnitVision(options: UnitVisionOptions): Promise<UnitVision> {
  const visionDir = join(options.dir, 'vision');
  const snapshotsDir = join(visionDir, 'snapshots');
  const layoutPath = join(visionDir, 'layout.json');
  // Created only once the unit has a camera, readable by this user only, like the rest of the unit folder.
  const ensureDirs = () => mkdirSync(snapshotsDir, { recursive: true, mode: 0o700 });
  const readLayouts = (): Record<string, ZonesFile> => {
    if (!existsSync(layoutPath)) return {};
    try {
      return LayoutStore.parse(JSON.parse(readFileSync(layoutPath, 'utf8')));
    } catch (error) {
      options.logger.error(
        { err: error, path: layoutPath },
        'vision layout file unreadable; using the camera documents',
      );
      return {};
    }
  };
  let layouts = readLayouts();

  if (options.enabled !== false && options.demoCamera && options.documents.idsOfType('camera').length === 0) {
    const source = await demoCameraSource(options.logger);
    if (source) {
      const created = await options.documents.create('camera', {
        name: 'Demo: entrada',
        source: source.path,
        enabled: true,
        fps: 5,
        analyses: ['occupancy', 'flow', 'equipment_use', 'posture'],
        lines: [{ name: 'Entrada', from: [0, 0.55], to: [1, 0.55] }],
        polygon: [
          [0.3, 0.35],
          [0.95, 0.35],
          [0.95, 0.75],
          [0.3, 0.75],
        ],
      });
      layouts[created.id] = { ...source.layout, pose: { fps: DEMO_POSE_FPS, maxPeople: 3 } };
      ensureDirs();
      writeLayouts(layoutPath, layouts);
    }
  }

  const poseOptions = options.pose ?? {};
  const poseFps = poseOptions.fps ?? Number(process.env.GYMEDGE_POSE_FPS ?? 5);
  const poseModel = poseOptions.model ?? (process.env.GYMEDGE_POSE_MODEL === 'full' ? 'full' : 'lite');
  const pose = new LivePose({
    model: poseModel,
    logger: options.logger,
    disabled:
      poseOptions.enabled === false ||
      (poseOptions.enabled === undefined && process.env.GYMEDGE_POSE === 'off'),
    ...(poseOptions.start ? { start: poseOptions.start } : {}),
  });
  const cameras: CameraConfig[] = [];
  for (const id of options.enabled === false ? [] : options.documents.idsOfType('camera')) {
    const doc = options.documents.get(id) as CameraDoc | undefined;
    if (doc?.enabled) cameras.push(cameraFromDoc(doc, layouts[id], poseFps));
  }
  const service = new VisionService({
    // GYMEDGE_DETECTOR picks another manifest entry, e.g. yolox_nano_480x640.onnx (faster on 4:3 cameras).
    detector:
      options.detector ??
      (() => createYoloxDetector({ threads: 2, model: process.env.GYMEDGE_DETECTOR ?? DEFAULT_DETECTOR })),
    sink: unitSink({ db: options.db, documents: options.documents, snapshotsDir, logger: options.logger }),
    logger: options.logger,
    pose,
    ...(options.sampleEverySec === undefined ? {} : { sampleEverySec: options.sampleEverySec }),
  });
  if (cameras.length > 0) ensureDirs();
  if (options.registry) service.registerMetrics(options.registry);
  await service.start(cameras, {
    modelCheck: () => {
      const found = resolveModel(process.env.GYMEDGE_DETECTOR ?? DEFAULT_DETECTOR);
      return found.ok
        ? { ok: true, inputWidth: found.entry.inputWidth ?? 640, inputHeight: found.entry.inputHeight ?? 640 }
        : { ok: false, reason: found.reason };
    },
  });
  const retention = options.snapshotRetentionDays ?? Number(process.env.GYMEDGE_SNAPSHOT_DAYS ?? 7);
  const prune = () => {
    if (!existsSync(snapshotsDir)) return;
    try {
      const deleted = pruneSnapshots(snapshotsDir, retention);
      if (deleted > 0)
        options.logger.info({ deleted, retentionDays: retention }, 'old alert snapshots deleted');
    } catch (error) {
      options.logger.error({ err: error }, 'could not prune alert snapshots');
    }
  };
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return {
    service,
    snapshotsDir,
    layout(cameraId) {
      const camera = service.camera(cameraId);
      return (
        layouts[cameraId] ?? {
          zones: [...(camera?.config.zones ?? [])].map((z) => ({
            ...z,
            polygon: z.polygon.map(([x, y]) => [x, y] as [number, number]),
          })),
          lines: [...(camera?.config.lines ?? [])].map((l) => ({
            id: l.id,
            name: l.name,
            from: [l.from[0], l.from[1]] as [number, number],
            to: [l.to[0], l.to[1]] as [number, number],
          })),
        }
      );
    },
    saveLayout(cameraId, layout) {
      const normalised = normaliseLayout(layout, 1, 1);
      layouts = { ...layouts, [cameraId]: layout };
      ensureDirs();
      writeLayouts(layoutPath, layouts);
      const doc = options.documents.get(cameraId) as CameraDoc | undefined;
      const pose = doc ? cameraFromDoc(doc, layout, poseFps).pose : service.camera(cameraId)?.config.pose;
      service.setLayout(cameraId, normalised.zones, normalised.lines, pose);
    },
    async stop() {
      clearInterval(timer);
      await service.stop();
    },
  };
}

function writeLayouts(path: string, layouts: Record<string, ZonesFile>): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(layouts, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
