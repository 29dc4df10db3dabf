import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deterministicDocId } from '@gymedge/crdt-schema';
import { buildApi, type HealthReport, TokenService } from '@gymedge/edge/api';
import { createLogger, type Logger } from '@gymedge/edge/src/lib/logger.ts';
import { EDGE_ROOT, VERSION } from '@gymedge/edge/src/paths.ts';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { ChainStaff, HqAccounts } from './accounts.ts';
import { hqRoutes } from './api/hq-routes.ts';
import type { BrokerHealth, SyncSnapshot, UnitSync } from './api/snapshot.ts';
import { chainStaffRoutes } from './api/staff-routes.ts';
import { type EmbeddedBroker, startEmbeddedBroker, type TlsMaterial } from './broker/embedded-broker.ts';
import { IdentityRegistry, openLocalDatabase } from './broker/identities.ts';
import { ChainMemberProjection, chainMemberService } from './chain-members.ts';
import { dashboardRoutes } from './dashboard.ts';
import { DirectoryBuilder, DirectorySourceProjection, directoryKeyIds } from './directory.ts';
import { PresenceMonitor } from './presence.ts';
import { StoreQuarantine } from './quarantine.ts';
import { type HqStore, openHqStore } from './relay/hq-store.ts';
import { Relay } from './relay/relay.ts';

export const HQ_DEFAULT_PORT = 8090;
export const MQTT_DEFAULT_PORT = 1883;
/** HQ's folder inside the data folder (beside the units' folders of a demo). */
export const HQ_DIR_NAME = 'hq';

/** Options of {@link startHq}. */
export interface HqOptions {
  /** Root data folder; HQ lives in `<dataDir>/hq/`. */
  readonly dataDir: string;
  /** HTTP port of the API and dashboard; default 8090 (0 picks a free one). */
  readonly port?: number;
  readonly host?: string;
  /** Port of the embedded broker; default 1883 (0 picks a free one). Ignored with `brokerUrl`. */
  readonly mqttPort?: number;
  /** TLS for the embedded broker (mqtts). */
  readonly mqttTls?: TlsMaterial;
  /** Use this broker (Mosquitto, EMQX) instead of the embedded one. */
  readonly brokerUrl?: string;
  /** CA to trust when reaching an external mqtts broker. */
  readonly brokerCaPem?: string;
  /** Password of HQ's first owner `admin` (the demo passes GYMEDGE_DEMO_PASSWORD). */
  readonly adminPassword?: string;
  /** Run the relay core (default true); false runs broker, API and dashboard only. */
  readonly relay?: boolean;
  readonly logger?: Logger;
  readonly tokenTtlSeconds?: number;
}

/** A running HQ. */
export interface RunningHq {
  readonly url: string;
  /** The broker as units reach it on this machine. */
  readonly brokerUrl: string;
  readonly dir: string;
  readonly store: HqStore;
  readonly relay: Relay | undefined;
  readonly registry: IdentityRegistry;
  /** Chain-wide accounts and their per-unit credentials. */
  readonly chainStaff: ChainStaff;
  readonly app: FastifyInstance;
  readonly createdAdmin?: { readonly login: string; readonly password: string };
  snapshot(): SyncSnapshot;
  stop(): Promise<void>;
}

const RelayCredentials = z.strictObject({
  username: z.literal('hq'),
  password: z.string().min(32),
  issuedAt: z.string(),
});

/** HQ's folder for a data folder. */
export function hqDirOf(dataDir: string): string {
  return join(dataDir, HQ_DIR_NAME);
}

/** HQ's local database (identities and sign-in accounts). */
export function localDbPathOf(dataDir: string): string {
  return join(hqDirOf(dataDir), 'hq-local.db');
}

/** HQ's own MQTT identity: issued once, its password in a 0600 file beside HQ's data. */
async function relayCredentials(dir: string, registry: IdentityRegistry) {
  const path = join(dir, 'relay-credentials.json');
  if (existsSync(path) && registry.get('hq') !== undefined) {
    return RelayCredentials.parse(JSON.parse(readFileSync(path, 'utf8')));
  }
  const issued = await registry.issue({ role: 'hq' });
  const credentials = { username: 'hq' as const, password: issued.password, issuedAt: issued.issuedAt };
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return credentials;
}

function tokenSecret(dir: string): Uint8Array {
  const path = join(dir, 'token.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
}

/** Today's date in the chain's zone (check-ins are counted per local day). */
function localToday(zone = 'America/Sao_Paulo'): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

/** Chain figures straight from HQ's tables: documents, members and check-ins today, per unit. */
function chainCounts(db: Database) {
  const documents = db.prepare<[], { unit: string; n: number }>(
    'SELECT unit_id AS unit, count(*) AS n FROM documents GROUP BY unit_id',
  );
  const members = db.prepare<[], { unit: string; n: number }>(
    "SELECT unit_id AS unit, count(*) AS n FROM member_index WHERE status != 'erased' GROUP BY unit_id",
  );
  const checkins = db.prepare<[string], { unit: string; n: number }>(
    'SELECT unit_id AS unit, count(*) AS n FROM checkins WHERE local_date = ? GROUP BY unit_id',
  );
  const byUnit = (rows: { unit: string; n: number }[]) => new Map(rows.map((row) => [row.unit, row.n]));
  return () => ({
    documents: byUnit(documents.all()),
    members: byUnit(members.all()),
    checkins: byUnit(checkins.all(localToday())),
  });
}

/**
 * Starts HQ: its store (the same store code a unit opens), the embedded broker (or an external one),
 * the presence monitor, the relay core, and the API with the dashboard on :8090. The composition root of
 * HQ: no I/O in constructors, one `stop()`.
 */
export async function startHq(options: HqOptions): Promise<RunningHq> {
  const logger = options.logger ?? createLogger('hq');
  const dir = hqDirOf(options.dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const local = openLocalDatabase(localDbPathOf(options.dataDir));
  const registry = new IdentityRegistry(local);
  const accounts = new HqAccounts(local);
  const closers: (() => Promise<void> | void)[] = [
    () => {
      local.close();
    },
  ];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, 'stopping HQ: a part failed to stop');
      }
    }
  };
  try {
    const members = new ChainMemberProjection();
    // The member directory's sources (which members' entries to rebuild), kept with every change.
    const directorySource = new DirectorySourceProjection();
    const store = openHqStore({ dir, logger, projections: [members, directorySource] });
    closers.push(() => store.close());
    for (const name of store.store.staleProjections()) store.store.rebuildProjections([name]);
    const createdAdmin = await accounts.ensureOwner(options.adminPassword);
    const relayIdentity = await relayCredentials(dir, registry);

    let broker: EmbeddedBroker | undefined;
    if (options.brokerUrl === undefined) {
      broker = await startEmbeddedBroker({
        identities: registry,
        logger,
        host: '127.0.0.1',
        port: options.mqttPort ?? MQTT_DEFAULT_PORT,
        ...(options.mqttTls ? { tls: options.mqttTls } : {}),
      });
      const running = broker;
      closers.push(() => running.stop());
    }
    const brokerUrl = options.brokerUrl ?? broker?.url ?? '';
    const caPem = options.brokerCaPem;
    const presence = new PresenceMonitor({
      brokerUrl,
      username: relayIdentity.username,
      password: relayIdentity.password,
      logger,
      ...(caPem === undefined ? {} : { caPem }),
    });
    presence.start();
    closers.push(() => presence.stop());

    let relay: Relay | undefined;
    if (options.relay !== false) {
      relay = new Relay({
        brokerUrl,
        username: relayIdentity.username,
        password: relayIdentity.password,
        ...(caPem === undefined ? {} : { caPem }),
        hq: store,
        linkKeyOf: (unitId) => registry.linkKeyOf(unitId),
        enrolledUnits: () => registry.units(),
        keyIdsOf: directoryKeyIds(store.db),
        logger,
      });
      await relay.start();
      const running = relay;
      closers.push(() => running.stop());
    }
    // HQ-owned documents addressed to one unit each (docs/sync.md, What goes where): the member directory
    // and chain-wide accounts' credentials. Stopped before the relay and the store.
    const directory = new DirectoryBuilder({
      hq: store,
      units: () => registry.units(),
      linkKeyOf: (unitId) => registry.linkKeyOf(unitId),
      onWritten: () => relay?.poke(),
      logger,
    });
    directory.start();
    closers.push(() => directory.stop());
    const chainStaff = new ChainStaff({
      hq: store,
      units: () => registry.units(),
      onWritten: () => relay?.poke(),
      logger,
    });
    chainStaff.start();
    closers.push(() => chainStaff.stop());

    const quarantine = new StoreQuarantine(store.db, store.inbox);
    const sizeQuery = store.db.prepare<[], { size: number }>(
      'SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()',
    );
    const counts = chainCounts(store.db);
    const names = new Map<string, string>();
    const nameOf = (unitId: string) => {
      if (!names.has(unitId)) {
        const doc = store.store.get<'unit'>(deterministicDocId('unit', unitId));
        if (doc?.name) names.set(unitId, doc.name);
      }
      return names.get(unitId);
    };

    const brokerHealth = (): BrokerHealth => {
      const seen = presence.broker();
      const stats = broker?.stats();
      return {
        kind: broker ? 'aedes' : 'external',
        url: brokerUrl,
        reachable: seen.connected,
        since: seen.since,
        ...(stats
          ? {
              clients: stats.clients,
              uptimeSeconds: stats.uptimeSeconds,
              messagesIn: stats.messagesIn,
              refusedConnects: stats.refusedConnects,
              refusedPublishes: stats.refusedPublishes,
              refusedSubscribes: stats.refusedSubscribes,
            }
          : {}),
        ...(seen.lastError === undefined ? {} : { lastError: seen.lastError }),
      };
    };

    const snapshot = (): SyncSnapshot => {
      const figures = counts();
      const open = quarantine.openByUnit();
      const now = Date.now();
      const link = presence.broker();
      const reachable = link.connected;
      const brokerSince = link.since;
      const present = new Map(presence.units().map((unit) => [unit.unitId, unit]));
      const relayed = new Map((relay?.units() ?? []).map((unit) => [unit.unitId, unit]));
      const enrolled = new Set(registry.units());
      const ids = new Set<string>([...enrolled, ...present.keys(), ...relayed.keys()]);
      for (const unit of figures.documents.keys())
        if (unit !== 'chain' && unit !== HQ_DIR_NAME) ids.add(unit);
      const units: UnitSync[] = [...ids].sort().map((unitId) => {
        const seen = present.get(unitId);
        const sync = relayed.get(unitId);
        const name = nameOf(unitId);
        const lastSeen = [sync?.lastSeenAt, seen?.receivedAt]
          .filter((v): v is string => v !== undefined)
          .sort()
          .pop();
        const state =
          seen?.state ?? (sync?.lastSeenAt === undefined ? 'unknown' : sync.online ? 'online' : 'offline');
        // While HQ cannot hear the unit (broker down, unit offline), HQ is behind it by at least the time
        // since it last heard from it; once they talk again, the unit's own figure (age of its oldest
        // unacknowledged change) is the lag.
        // The unit's figures count only once it has spoken since HQ's link to the broker came back.
        const fresh = seen !== undefined && seen.receivedAt >= brokerSince;
        const heard = reachable && state === 'online' && fresh;
        const silence = lastSeen === undefined ? undefined : Math.max(0, (now - Date.parse(lastSeen)) / 1000);
        const reported = sync?.lagSeconds;
        const lagSeconds =
          heard || silence === undefined ? reported : Math.max(reported ?? 0, Math.round(silence * 10) / 10);
        return {
          unitId,
          ...(name === undefined ? {} : { name }),
          state,
          enrolled: enrolled.has(unitId),
          ...(lastSeen === undefined ? {} : { lastSeenAt: lastSeen }),
          ...(sync?.lastBatchAt === undefined ? {} : { lastSyncAt: sync.lastBatchAt }),
          ...(sync?.pendingChanges === undefined ? {} : { pendingChanges: sync.pendingChanges }),
          ...(lagSeconds === undefined ? {} : { lagSeconds }),
          documents: figures.documents.get(unitId) ?? 0,
          quarantined: open.get(unitId) ?? 0,
          members: figures.members.get(unitId) ?? 0,
          checkinsToday: figures.checkins.get(unitId) ?? 0,
          ...((sync?.version ?? seen?.version) === undefined
            ? {}
            : { version: sync?.version ?? seen?.version }),
        };
      });
      const sum = (pick: (unit: UnitSync) => number) => units.reduce((total, unit) => total + pick(unit), 0);
      return {
        at: new Date().toISOString(),
        relay: relay === undefined ? 'not_available' : 'running',
        broker: brokerHealth(),
        units,
        chain: {
          units: units.length,
          online: units.filter((unit) => unit.state === 'online').length,
          members: sum((unit) => unit.members),
          checkinsToday: sum((unit) => unit.checkinsToday),
          documents: store.store.stats().documents,
          quarantined: store.store.stats().quarantined,
          pendingChanges: sum((unit) => unit.pendingChanges ?? 0),
        },
      };
    };

    const listeners = new Set<() => void>();
    const notify = () => {
      for (const listener of listeners) listener();
    };
    presence.on('change', notify);
    relay?.on('change', notify);

    const health = (): HealthReport => {
      const stats = store.store.stats();
      const seen = presence.broker();
      const reasons: string[] = [];
      if (!seen.connected) reasons.push(`HQ cannot reach the MQTT broker at ${brokerUrl}`);
      if (stats.quarantined > 0) reasons.push(`${stats.quarantined} change(s) in quarantine need a look`);
      return {
        status: reasons.length === 0 ? 'ok' : 'degraded',
        unitId: HQ_DIR_NAME,
        version: VERSION,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        storage: {
          ok: true,
          path: dir,
          documents: stats.documents,
          quarantined: stats.quarantined,
          pendingWrites: stats.pendingWrites,
          sizeBytes: sizeQuery.get()?.size ?? 0,
        },
        sync: {
          state: seen.connected ? 'connected' : 'disconnected',
          // At HQ: chain-wide changes the units have not acknowledged yet.
          pendingChanges: (relay?.units() ?? []).reduce((sum, unit) => sum + unit.downlinkPending, 0),
        },
        ...(reasons.length > 0 ? { reasons } : {}),
      };
    };

    const registry_ = new Registry();
    registerHqMetrics(registry_, snapshot);
    const app = await buildApi({
      unitId: HQ_DIR_NAME,
      version: VERSION,
      members: chainMemberService(store.db, store.store, members),
      accounts,
      tokens: new TokenService({
        secret: tokenSecret(dir),
        unitId: HQ_DIR_NAME,
        ...(options.tokenTtlSeconds === undefined ? {} : { ttlSeconds: options.tokenTtlSeconds }),
      }),
      health,
      metrics: registry_,
      logger,
      unitName: () => 'GymEdge HQ',
      plugins: [
        hqRoutes({
          snapshot,
          onChange: (listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
          quarantine,
        }),
        chainStaffRoutes(chainStaff),
        dashboardRoutes({ dist: HQ_WEB_DIST }),
      ],
    });
    closers.push(() => app.close());
    const host = options.host ?? '127.0.0.1';
    await app.listen({ port: options.port ?? HQ_DEFAULT_PORT, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
    logger.info({ port, brokerUrl, startupMs: Date.now() - started }, 'HQ ready');
    let stopping: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      brokerUrl,
      dir,
      store,
      relay,
      registry,
      chainStaff,
      app,
      ...(createdAdmin === undefined ? {} : { createdAdmin }),
      snapshot,
      stop: () => {
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Where `npm install` builds the HQ dashboard (apps/hq-sync/web/dist): found from this module when it
 * runs from its sources, and beside apps/edge when it runs inside the CLI bundle (apps/edge/dist).
 */
export const HQ_WEB_DIST = ((): string => {
  const candidates = [
    join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist'),
    join(EDGE_ROOT, '..', 'hq-sync', 'web', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'dashboard'))) ?? candidates[1] ?? '';
})();

/** `gymedge_hq_*` gauges, computed from the dashboard's snapshot at each scrape. */
function registerHqMetrics(registry: Registry, snapshot: () => SyncSnapshot): void {
  const registers = [registry];
  const unitGauge = (name: string, help: string, pick: (unit: UnitSync) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['unit'],
      registers,
      collect() {
        this.reset();
        for (const unit of snapshot().units) {
          const value = pick(unit);
          if (value !== undefined) this.set({ unit: unit.unitId }, value);
        }
      },
    });
  unitGauge('gymedge_hq_unit_online', '1 when the unit is online (retained state), else 0', (u) =>
    u.state === 'online' ? 1 : 0,
  );
  unitGauge(
    'gymedge_hq_unit_pending_changes',
    'changes the unit has that HQ has not acknowledged',
    (u) => u.pendingChanges,
  );
  unitGauge('gymedge_hq_unit_lag_seconds', 'how far behind HQ is on the unit', (u) => u.lagSeconds);
  unitGauge('gymedge_hq_unit_documents', "the unit's documents stored at HQ", (u) => u.documents);
  unitGauge('gymedge_hq_unit_quarantined', 'changes of the unit kept aside at HQ', (u) => u.quarantined);
  new Gauge({
    name: 'gymedge_hq_broker_reachable',
    help: '1 when HQ is connected to the MQTT broker',
    registers,
    collect() {
      this.set(snapshot().broker.reachable ? 1 : 0);
    },
  });
}
