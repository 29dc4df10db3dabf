import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deterministicDocId } from '@gymedge/crdt-schema';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { ensureOwnerAccount } from './api/bootstrap-owner.ts';
import { checkUnitHealth, type HealthReport } from './api/health.ts';
import { buildApi, TokenService } from './api/index.ts';
import { SqliteRevocations } from './api/revocations.ts';
import { operationsPlugin } from './api/routes/operations.ts';
import { screenRoutes } from './api/routes/screens.ts';
import { assistantPlugin } from './assistant/index.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { type EdgeMl, startEdgeMl } from './ml/index.ts';
import { VERSION } from './paths.ts';
import { registerStoreMetrics } from './store-metrics.ts';
import { createUnitSync, readSyncCredentials, syncCredentialsPath, type UnitSync } from './sync/index.ts';
import { registerSyncMetrics, withSyncHealth } from './sync-health.ts';
import { openUnitStore, type UnitStore } from './unit-store.ts';
import { type EdgeVision, startEdgeVision } from './vision/edge.ts';

export interface EdgeOptions {
  readonly unitId: string;
  readonly port: number;
  readonly host?: string;
  /** Root data folder; the unit lives in `<dataDir>/<unitId>/`. */
  readonly dataDir: string;
  readonly logger?: Logger;
  /** Password of the first owner account (`admin`), used only when the unit has no account yet. */
  readonly adminPassword?: string;
  readonly tokenTtlSeconds?: number;
  readonly cacheSize?: number;
  /** Vision (cameras, counting, alerts; docs/vision.md): on by default; `demoCamera` gives an empty unit a sample camera. */
  readonly vision?: {
    readonly enabled?: boolean;
    readonly demoCamera?: boolean;
    readonly sampleEverySec?: number;
    /** Pose for `posture` cameras (default on unless GYMEDGE_POSE=off; docs/vision.md). */
    readonly pose?: import('./vision/unit-vision.ts').UnitPoseOptions;
  };
}

export interface RunningEdge {
  readonly url: string;
  readonly unit: UnitStore;
  readonly app: FastifyInstance;
  /** Sync with HQ, when the unit is enrolled (`<unit dir>/sync.json`, written by `gymedge hq enrol`). */
  readonly sync?: UnitSync;
  /** Set when this start created the first owner account: shown once, never stored in clear. */
  readonly createdAdmin?: { login: string; password: string };
  /** Set when a password was given but the unit's owner already has another one: it was not applied. */
  readonly adminPasswordIgnored?: { login: string };
  stop(): Promise<void>;
}

/** Starts one unit: store, API, listening socket. The composition root of the edge core. */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const logger = options.logger ?? createLogger(`edge:${options.unitId}`);
  const dir = join(options.dataDir, options.unitId);
  const started = Date.now();
  const unit = openUnitStore({
    dir,
    unitId: options.unitId,
    logger,
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
    onRebuildProgress: (name, done, total) =>
      logger.info({ projection: name, done, total }, 'rebuilding projection'),
  });
  let vision: EdgeVision | undefined;
  let ml: EdgeMl | undefined;
  let sync: UnitSync | undefined;
  try {
    // Erasures re-applied after a restore are durable (and the WAL truncated) before anyone is served.
    await unit.ready;
    const bootstrap = await ensureOwnerAccount(unit, options.unitId, options.adminPassword);
    const createdAdmin =
      bootstrap.kind === 'created' ? { login: bootstrap.login, password: bootstrap.password } : undefined;
    const registry = new Registry();
    registerStoreMetrics(registry, unit);
    const credentials = readSyncCredentials(syncCredentialsPath(dir));
    sync =
      credentials === undefined ? undefined : createUnitSync({ unit, credentials, logger, version: VERSION });
    vision = await startEdgeVision({
      unitId: options.unitId,
      dir,
      db: unit.db,
      store: unit.store,
      logger,
      registry,
      ...options.vision,
    });
    const cameras = vision;
    // Churn and segments (docs/ml.md): trains in the background on the unit's own members.
    ml = await startEdgeMl({ dir, db: unit.db, store: unit.store, logger, registry });
    const churn = ml;
    // /health writes one row and one file: a unit whose disk went read-only or full answers 503.
    const probe = unit.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('health_probe', ?)");
    registerSyncMetrics(registry, () => sync?.status());
    const unitHealth = (): HealthReport =>
      cameras.decorate(
        checkUnitHealth({
          unitId: options.unitId,
          version: VERSION,
          startedAt: started,
          dir,
          stats: () => unit.store.stats(),
          sizeBytes: () => unit.sizeBytes(),
          writeProbe: () => probe.run(new Date().toISOString()),
          sharedLogins: () => unit.accounts.sharedLogins(),
        }),
      );
    const health = (): HealthReport => withSyncHealth(unitHealth(), sync?.status());
    const tokens = new TokenService({
      secret: tokenSecret(dir),
      unitId: options.unitId,
      ...(options.tokenTtlSeconds === undefined ? {} : { ttlSeconds: options.tokenTtlSeconds }),
    });
    const app = await buildApi({
      unitId: options.unitId,
      version: VERSION,
      members: unit.members,
      accounts: unit.accounts,
      revocations: new SqliteRevocations(unit.db),
      tokens,
      health,
      unitName: () => unit.store.get<'unit'>(deterministicDocId('unit', options.unitId))?.name,
      metrics: registry,
      logger,
      // The screens (/kiosk, /staff, /cameras; docs/ui.md) come last: their paths never shadow the API.
      plugins: [
        assistantPlugin(unit, options.unitId, logger),
        cameras.plugin,
        operationsPlugin({ unit, unitId: options.unitId, logger, accounts: unit.accounts, tokens }),
        churn.plugin,
        screenRoutes(),
      ],
    });
    const host = options.host ?? '127.0.0.1';
    await app.listen({ port: options.port, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    logger.info({ unitId: options.unitId, port, startupMs: Date.now() - started }, 'unit ready');
    sync?.start();
    const linked = sync;
    let stopping: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      unit,
      app,
      ...(createdAdmin === undefined ? {} : { createdAdmin }),
      ...(linked === undefined ? {} : { sync: linked }),
      ...(bootstrap.kind === 'password-ignored' ? { adminPasswordIgnored: { login: bootstrap.login } } : {}),
      stop: () => {
        stopping ??= (async () => {
          await app.close();
          await linked?.stop();
          await churn.stop();
          await cameras.stop();
          await unit.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await sync?.stop();
    await ml?.stop();
    await vision?.stop();
    await unit.close();
    throw error;
  }
}

/** The key tokens are signed with: 32 random bytes in the unit folder, readable only by this user. */
function tokenSecret(dir: string): Uint8Array {
  const path = join(dir, 'token.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
}
