// End to end with real processes, as `npm start` runs them: the embedded broker (`gymedge hq broker`),
// HQ (`gymedge hq --broker`), and two units enrolled with `gymedge hq enrol`. The broker is stopped
// while sp-paulista keeps taking new members: HQ's dashboard snapshot shows the lag rising; the broker
// starts again: the lag falls back to zero and the members written meanwhile are in HQ's search.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GYMEDGE_BIN } from '@gymedge/edge/src/paths.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSnapshot } from '../src/api/snapshot.ts';
import { freePort, sleep } from './support/brokers.ts';

const PASSWORD = 'senha-do-teste-123';
const UNITS = ['sp-paulista', 'rj-copacabana'] as const;
let dir: string;
let mqttPort: number;
let hqUrl: string;
const unitUrls = new Map<string, string>();
const children: ChildProcess[] = [];
let broker: ChildProcess;

/** Starts `gymedge <args>` and resolves with the first IPC message of `type`. */
function start<T extends { type: string }>(
  args: string[],
  type: string,
): Promise<{ child: ChildProcess; message: T }> {
  const child = fork(GYMEDGE_BIN, args, {
    env: {
      ...process.env,
      GYMEDGE_DEMO_PASSWORD: PASSWORD,
      GYMEDGE_ADMIN_PASSWORD: PASSWORD,
      GYMEDGE_LOG_LEVEL: 'warn',
      GYMEDGE_FROM_SOURCE: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start in 60 s:\n${stderr}`)),
      60_000,
    );
    child.on('message', (message: T) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      resolve({ child, message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${signal ?? code}):\n${stderr}`));
    });
  });
}

function run(args: string[]): Promise<number | null> {
  const child = fork(GYMEDGE_BIN, args, {
    env: { ...process.env, GYMEDGE_FROM_SOURCE: '1', GYMEDGE_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const startBroker = async () =>
  (await start(['hq', 'broker', '--data', dir, '--mqtt-port', String(mqttPort)], 'broker-ready')).child;

async function token(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

let hqToken: string;
async function snapshot(): Promise<SyncSnapshot> {
  const response = await fetch(`${hqUrl}/api/v1/sync/status`, {
    headers: { authorization: `Bearer ${hqToken}` },
  });
  return (await response.json()) as SyncSnapshot;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gymedge-hq-restart-'));
  mqttPort = await freePort();
  broker = await startBroker();
  const hq = await start<{ type: 'hq-ready'; url: string }>(
    ['hq', '--data', dir, '--port', '0', '--broker', `mqtt://127.0.0.1:${mqttPort}`],
    'hq-ready',
  );
  hqUrl = hq.message.url;
  for (const unitId of UNITS) {
    expect(
      await run([
        'hq',
        'enrol',
        '--unit',
        unitId,
        '--data',
        dir,
        '--broker-url',
        `mqtt://127.0.0.1:${mqttPort}`,
      ]),
    ).toBe(0);
  }
  await Promise.all(
    UNITS.map(async (unitId) => {
      const unit = await start<{ type: 'ready'; url: string }>(
        ['edge', '--unit', unitId, '--port', '0', '--data', dir],
        'ready',
      );
      unitUrls.set(unitId, unit.message.url);
    }),
  );
  hqToken = await token(hqUrl);
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map(stop));
  rmSync(dir, { recursive: true, force: true });
});

describe('a broker restart, seen from HQ', () => {
  it('shows the lag rising while the broker is down and falling once it is back, losing nothing', async () => {
    await until('both units online and in sync', async () => {
      const now = await snapshot();
      const ok =
        now.units.length === 2 && now.units.every((u) => u.state === 'online' && (u.lagSeconds ?? 0) === 0);
      return ok ? now : undefined;
    });
    const spUrl = unitUrls.get('sp-paulista') ?? '';
    const spToken = await token(spUrl);

    await stop(broker);
    const down = await until('HQ to notice the broker is gone', async () => {
      const now = await snapshot();
      return now.broker.reachable ? undefined : now;
    });
    expect(down.broker.reachable).toBe(false);
    // The unit keeps working offline: members written now wait in its outbox.
    for (const name of ['Ivo Offline', 'Iara Offline', 'Igor Offline']) {
      const created = await fetch(`${spUrl}/api/v1/members`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${spToken}` },
        body: JSON.stringify({ name }),
      });
      expect(created.status).toBe(201);
    }
    const health = (await (await fetch(`${spUrl}/health`)).json()) as {
      sync: { state: string; pendingChanges: number };
    };
    expect(health.sync.state).toBe('disconnected');
    expect(health.sync.pendingChanges).toBeGreaterThanOrEqual(3);
    await sleep(4000);
    const risen = (await snapshot()).units.find((u) => u.unitId === 'sp-paulista');
    expect(risen?.lagSeconds ?? 0).toBeGreaterThanOrEqual(4);

    broker = await startBroker();
    const healed = await until('the lag to fall back to zero', async () => {
      const now = await snapshot();
      const sp = now.units.find((u) => u.unitId === 'sp-paulista');
      return now.broker.reachable && sp?.state === 'online' && sp.lagSeconds === 0 && sp.pendingChanges === 0
        ? now
        : undefined;
    });
    expect(healed.chain.online).toBe(2);
    const names = await until('the members written offline at HQ', async () => {
      const found = await fetch(`${hqUrl}/api/v1/members?q=offline`, {
        headers: { authorization: `Bearer ${hqToken}` },
      });
      const items = ((await found.json()) as { items: { name: string }[] }).items;
      return items.length >= 3 ? items.map((m) => m.name).sort() : undefined;
    });
    expect(names).toEqual(['Iara Offline', 'Igor Offline', 'Ivo Offline']);
  }, 120_000);
});
