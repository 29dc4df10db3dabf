import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deterministicDocId } from '@gymedge/crdt-schema';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { HealthReport } from './api/health.ts';
import { buildApi, hashPassword, TokenService } from './api/index.ts';
import { screenRoutes } from './api/routes/screens.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { VERSION } from './paths.ts';
import { registerStoreMetrics } from './store-metrics.ts';
import { openUnitStore, type UnitStore } from './unit-store.ts';

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
}

export interface RunningEdge {
  readonly url: string;
  readonly unit: UnitStore;
  readonly app: FastifyInstance;
  /** Set when this start created the first owner account: shown once, never stored in clear. */
  readonly createdAdmin?: { login: string; password: string };
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
  try {
    const createdAdmin = await ensureOwnerAccount(unit, options.adminPassword);
    const registry = new Registry();
    registerStoreMetrics(registry, unit);
    const health = (): HealthReport => {
      const stats = unit.store.stats();
      const reasons: string[] = [];
      if (stats.quarantined > 0) reasons.push(`${stats.quarantined} change(s) in quarantine need a look`);
      return {
        status: 'ok',
        unitId: options.unitId,
        version: VERSION,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        storage: {
          ok: true,
          path: dir,
          documents: stats.documents,
          quarantined: stats.quarantined,
          pendingWrites: stats.pendingWrites,
          sizeBytes: unit.sizeBytes(),
        },
        sync: { state: 'not_configured', pendingChanges: stats.changeLogSize },
        ...(reasons.length > 0 ? { reasons } : {}),
      };
    };
    const app = await buildApi({
      unitId: options.unitId,
      version: VERSION,
      members: unit.members,
      accounts: unit.accounts,
      tokens: new TokenService({
        secret: tokenSecret(dir),
        unitId: options.unitId,
        ...(options.tokenTtlSeconds === undefined ? {} : { ttlSeconds: options.tokenTtlSeconds }),
      }),
      health,
      unitName: () => unit.store.get<'unit'>(deterministicDocId('unit', options.unitId))?.name,
      metrics: registry,
      logger,
      // The screens (/kiosk, /staff, /cameras; docs/ui.md) come last: their paths never shadow the API.
      plugins: [screenRoutes()],
    });
    const host = options.host ?? '127.0.0.1';
    await app.listen({ port: options.port, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    logger.info({ unitId: options.unitId, port, startupMs: Date.now() - started }, 'unit ready');
    let stopping: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      unit,
      app,
      ...(createdAdmin === undefined ? {} : { createdAdmin }),
      stop: () => {
        stopping ??= (async () => {
          await app.close();
          await unit.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
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

/**
 * A unit with no active owner account gets one, `admin`, with the given password or a generated one that
 * is returned once for the operator to note. Once staff sync from HQ, this happens only on the very
 * first unit of a chain.
 */
async function ensureOwnerAccount(
  unit: UnitStore,
  password?: string,
): Promise<{ login: string; password: string } | undefined> {
  if (unit.accounts.hasActive('owner')) return undefined;
  const clear = password ?? randomBytes(12).toString('base64url');
  // The same id on every unit, so that the first owner of a chain is one account once units sync.
  await unit.store.create(
    'staff',
    {
      name: 'Administrador',
      login: 'admin',
      role: 'owner',
      units: ['*'],
      passwordHash: await hashPassword(clear),
      active: true,
    },
    { id: deterministicDocId('staff', 'bootstrap-owner') },
  );
  return { login: 'admin', password: clear };
}
