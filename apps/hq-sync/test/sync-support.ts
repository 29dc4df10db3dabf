/**
 * Test support for the sync suites: real brokers (Aedes in process, Mosquitto as a child process with a
 * generated config), real HQ and unit stores on real SQLite files, and helpers to wait for convergence.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncCredentials } from '@gymedge/sync-protocol';
import { Aedes } from 'aedes';
import BetterSqlite from 'better-sqlite3';
import pino from 'pino';
import { createUnitSync, type UnitSync } from '../../edge/src/sync/index.ts';
import { openUnitStore, type UnitStore } from '../../edge/src/unit-store.ts';
import { type HqStore, openHqStore } from '../src/relay/hq-store.ts';
import { Relay } from '../src/relay/relay.ts';

export const logger = pino({ level: process.env.GYMEDGE_TEST_LOG ?? 'silent' });

export function scratch(name: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `gymedge-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A broker the test can stop and start again on the same port. */
export interface TestBroker {
  readonly kind: 'aedes' | 'mosquitto';
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Aedes in this process (MQTT 3.1.1). `stop()` is a real broker restart: the broker and its in-memory
 * sessions and queues are gone, and `start()` makes a new one on the same port.
 */
export async function startAedes(port?: number): Promise<TestBroker> {
  const p = port ?? (await freePort());
  let broker: Aedes | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const start = async () => {
    const b = await Aedes.createBroker();
    broker = b;
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      b.handle(socket);
    });
    await new Promise<void>((resolve) => server?.listen(p, '127.0.0.1', () => resolve()));
  };
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
    const b = broker;
    broker = undefined;
    if (b !== undefined) await new Promise<void>((resolve) => b.close(() => resolve()));
  };
  await start();
  return { kind: 'aedes', url: `mqtt://127.0.0.1:${p}`, port: p, stop, start, close: stop };
}

/**
 * Mosquitto as a child process: persistence on, `max_queued_messages 0` and `max_inflight_messages 0`
 * (the defaults drop QoS 1 messages for a slow or offline persistent subscriber), anonymous on 127.0.0.1.
 */
export async function startMosquitto(): Promise<TestBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-mosquitto-'));
  mkdirSync(join(dir, 'data'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${join(dir, 'data')}/`,
      'autosave_interval 1',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'max_packet_size 1048576',
      'log_dest none',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = new Socket();
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.connect(port, '127.0.0.1');
      });
      if (up) return;
      await sleep(50);
    }
    throw new Error('mosquitto did not start');
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    kind: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const linkKeys = new Map<string, Buffer>();

export function credentialsFor(unitId: string, brokerUrl: string): SyncCredentials {
  let key = linkKeys.get(unitId);
  if (key === undefined) {
    key = randomBytes(32);
    linkKeys.set(unitId, key);
  }
  return {
    version: 1,
    unitId,
    brokerUrl,
    username: unitId,
    password: randomBytes(18).toString('base64url'),
    linkKey: key.toString('base64'),
    issuedAt: new Date().toISOString(),
  };
}

export interface TestUnit {
  readonly unitId: string;
  readonly dir: string;
  unit: UnitStore;
  sync: UnitSync;
  close(): Promise<void>;
}

export async function startUnit(
  root: string,
  unitId: string,
  brokerUrl: string,
  repairEveryMs = 2000,
): Promise<TestUnit> {
  const dir = join(root, unitId);
  const unit = openUnitStore({ dir, unitId, logger, compactEveryMs: 0 });
  await unit.ready;
  const sync = createUnitSync({
    unit,
    credentials: credentialsFor(unitId, brokerUrl),
    logger,
    repairEveryMs,
    resendAfterMs: 4000,
  });
  sync.start();
  return {
    unitId,
    dir,
    unit,
    sync,
    close: async () => {
      await sync.stop();
      await unit.close();
    },
  };
}

export interface TestHq {
  readonly dir: string;
  hq: HqStore;
  relay: Relay;
  close(): Promise<void>;
}

export async function startHq(root: string, brokerUrl: string): Promise<TestHq> {
  const dir = join(root, 'hq');
  const hq = openHqStore({ dir, logger });
  const relay = new Relay({
    brokerUrl,
    password: 'hq-password-for-tests',
    hq,
    linkKeyOf: (u) => linkKeys.get(u),
    logger,
    resendAfterMs: 4000,
  });
  await relay.start();
  return {
    dir,
    hq,
    relay,
    close: async () => {
      await relay.stop();
      await hq.close();
    },
  };
}

export const system = { id: 'system', role: 'system' } as const;

/** Closes what a suite opened, in the order given (units, then HQ, then the broker), skipping what never started. */
export async function closeAll(
  ...items: ReadonlyArray<{ close(): Promise<void> } | undefined>
): Promise<void> {
  for (const item of items) await item?.close();
}

/** The fields of a chain-wide plan (HQ writes them: `hq.hq.store.create('plan', planFields(...), { id })`). */
export function planFields(name: string, priceCents: number) {
  return {
    name,
    priceCents,
    currency: 'BRL',
    billingPeriod: 'monthly',
    access: 'all',
    active: true,
  } as const;
}

/** sorted `docId heads` lines of one owner's documents in a database (to compare replicas). */
export function headsOf(db: import('better-sqlite3').Database, owner: string): string {
  return (
    db.prepare('SELECT doc_id, heads FROM documents WHERE unit_id = ? ORDER BY doc_id').all(owner) as Array<{
      doc_id: string;
      heads: string;
    }>
  )
    .map((r) => `${r.doc_id} ${r.heads.split(',').sort().join(',')}`)
    .join('\n');
}

export interface PeerProcess {
  readonly child: ChildProcess;
  readonly messages: Array<Record<string, unknown>>;
  /** Resolves with the first message of `type` received from now on (or already received, if `past`). */
  next(type: string, timeoutMs?: number, past?: boolean): Promise<Record<string, unknown>>;
  last(type: string): Record<string, unknown> | undefined;
  exited: Promise<number | null>;
}

const PEER = new URL('./chaos-peer.ts', import.meta.url).pathname;

/** Forks a unit or HQ (chaos-peer.ts) as a real process. */
export function forkPeer(config: Record<string, unknown>, env: Record<string, string> = {}): PeerProcess {
  const child = fork(PEER, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      ...env,
      GYMEDGE_CHAOS: JSON.stringify({
        ...config,
        linkKeys: Object.fromEntries([...linkKeys].map(([u, k]) => [u, k.toString('base64')])),
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];
  child.on('message', (m: Record<string, unknown>) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.type === m.type) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    messages,
    exited,
    last: (type) => messages.filter((m) => m.type === type).at(-1),
    next: (type, timeoutMs = 60_000, past = false) => {
      const seen = past ? messages.find((m) => m.type === type) : undefined;
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`peer sent no ${type} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        child.once('exit', () => reject(new Error(`peer exited before sending ${type}`)));
      });
    },
  };
}

/** Makes sure a unit has a link key (shared with forked peers through the environment). */
export function ensureLinkKey(unitId: string): void {
  if (!linkKeys.has(unitId)) linkKeys.set(unitId, randomBytes(32));
}

/** Opens a database file of another process read-only (WAL: sees what it committed). */
export function peek(path: string): import('better-sqlite3').Database {
  return new BetterSqlite(path, { readonly: true, fileMustExist: true });
}
