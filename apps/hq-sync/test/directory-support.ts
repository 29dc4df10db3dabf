/**
 * A small chain for the directory and credential tests: a real HQ (`startHq`: embedded broker, relay,
 * API, the directory builder and chain staff) and real units (`startEdge`: API, store, sync) on real
 * SQLite files, each enrolled at HQ with its own MQTT identity and link key.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicDocId } from '@gymedge/crdt-schema';
import { type RunningEdge, startEdge } from '@gymedge/edge/src/edge-app.ts';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import { CREDENTIALS_FILE_NAME, enrolUnit, writeCredentialsFile } from '../src/enrolment.ts';
import { type RunningHq, startHq } from '../src/hq-app.ts';

export const PASSWORD = 'directory chain password';

export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Signs in and calls a unit's (or HQ's) API. */
export class Client {
  readonly #url: () => string;
  readonly #login: string;
  readonly #password: string;
  #token: string | undefined;

  constructor(url: () => string, login = 'admin', password = PASSWORD) {
    this.#url = url;
    this.#login = login;
    this.#password = password;
  }

  /** POST /api/v1/auth/login: the HTTP status. */
  async signIn(): Promise<number> {
    const response = await fetch(`${this.#url()}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: this.#login, password: this.#password }),
    });
    if (response.ok) this.#token = ((await response.json()) as { token: string }).token;
    return response.status;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (this.#token === undefined && (await this.signIn()) !== 200)
      throw new Error(`${this.#login} could not sign in at ${this.#url()}`);
    const response = await fetch(`${this.#url()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface ChainUnit {
  readonly unitId: string;
  readonly dir: string;
  edge: RunningEdge;
  readonly api: Client;
  syncState(): Promise<{ state: string; pendingChanges: number; pendingRecords?: number }>;
}

export interface Chain {
  hq: RunningHq | undefined;
  readonly units: Record<string, ChainUnit>;
  /** Stops HQ and its embedded broker: every unit is cut off. */
  stopHq(): Promise<void>;
  /** Starts HQ again on the same data and broker port. */
  startHq(): Promise<RunningHq>;
  close(): Promise<void>;
}

/** HQ and the given units, enrolled and connected. */
export async function startChain(unitIds: readonly string[]): Promise<Chain> {
  const root = mkdtempSync(join(tmpdir(), 'gymedge-directory-'));
  const start = (mqttPort: number) =>
    startHq({ dataDir: root, port: 0, mqttPort, adminPassword: PASSWORD, logger: silentLogger() });
  let hq: RunningHq | undefined = await start(0);
  const mqttPort = Number(new URL(hq.brokerUrl).port);
  const units: Record<string, ChainUnit> = {};
  for (const unitId of unitIds) {
    const credentials = await enrolUnit(hq.registry, unitId, { brokerUrl: hq.brokerUrl });
    writeCredentialsFile(join(root, unitId, CREDENTIALS_FILE_NAME), credentials);
    const edge = await startEdge({
      unitId,
      port: 0,
      dataDir: root,
      adminPassword: PASSWORD,
      logger: silentLogger(),
      vision: { enabled: false },
    });
    await edge.unit.store.create(
      'unit',
      {
        name: `GymEdge ${unitId}`,
        timeZone: 'America/Sao_Paulo',
        city: 'São Paulo',
        state: 'SP',
        currency: 'BRL',
      },
      { id: deterministicDocId('unit', unitId) },
    );
    const unit: ChainUnit = {
      unitId,
      dir: join(root, unitId),
      edge,
      api: new Client(() => unit.edge.url),
      async syncState() {
        const response = await fetch(`${unit.edge.url}/health`);
        return ((await response.json()) as { sync: Awaited<ReturnType<ChainUnit['syncState']>> }).sync;
      },
    };
    units[unitId] = unit;
  }
  for (const unit of Object.values(units))
    await until(`${unit.unitId} to reach HQ`, async () => (await unit.syncState()).state === 'connected');
  const chain: Chain = {
    get hq() {
      return hq;
    },
    units,
    async stopHq() {
      await hq?.stop();
      hq = undefined;
      for (const unit of Object.values(units))
        await until(
          `${unit.unitId} to notice HQ is gone`,
          async () => (await unit.syncState()).state !== 'connected',
        );
    },
    async startHq() {
      hq = await start(mqttPort);
      for (const unit of Object.values(units))
        await until(
          `${unit.unitId} to reach HQ again`,
          async () => (await unit.syncState()).state === 'connected',
        );
      return hq;
    },
    async close() {
      for (const unit of Object.values(units)) await unit.edge.stop().catch(() => {});
      await hq?.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  return chain;
}

/** Every byte of the SQLite files in a folder (the database, its WAL and shared memory). */
export function rawFiles(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .filter((name) => /\.db(-wal|-shm)?$/.test(name))
      .map((name) => readFileSync(join(dir, name))),
  );
}
