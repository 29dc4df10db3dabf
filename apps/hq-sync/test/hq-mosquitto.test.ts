// HQ on an external broker: Mosquitto, configured by HQ (password_file of HQ's identities, acl_file
// from the topic map, max_queued_messages 0), started by the test on a free port. A unit enrolled at
// HQ syncs through it: a member created at sp-paulista is found in HQ's member search.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEdge, startEdge } from '@gymedge/edge/src/edge-app.ts';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MosquittoProcess, startMosquitto, writeMosquittoConfig } from '../src/broker/mosquitto.ts';
import { CREDENTIALS_FILE_NAME, enrolUnit, writeCredentialsFile } from '../src/enrolment.ts';
import { type RunningHq, startHq } from '../src/hq-app.ts';
import { freePort, hasMosquitto, sleep } from './support/brokers.ts';

const PASSWORD = 'senha-mosquitto-123';
let dir: string;
let hq: RunningHq;
let mosquitto: MosquittoProcess;
let unit: RunningEdge;

async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: PASSWORD }),
  });
  return ((await response.json()) as { token: string }).token;
}

describe.skipIf(!hasMosquitto())('HQ on Mosquitto (skipped when mosquitto is not installed)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gymedge-hq-mosquitto-'));
    const port = await freePort();
    const brokerUrl = `mqtt://127.0.0.1:${port}`;
    // HQ issues its own identity at start and keeps reconnecting until the broker is up.
    hq = await startHq({ dataDir: dir, port: 0, brokerUrl, adminPassword: PASSWORD, logger: silentLogger() });
    writeCredentialsFile(
      join(dir, 'sp-paulista', CREDENTIALS_FILE_NAME),
      await enrolUnit(hq.registry, 'sp-paulista', { brokerUrl }),
    );
    mosquitto = await startMosquitto(
      writeMosquittoConfig({ dir: join(dir, 'mosquitto'), registry: hq.registry, port }),
      port,
    );
    unit = await startEdge({
      unitId: 'sp-paulista',
      port: 0,
      dataDir: dir,
      adminPassword: PASSWORD,
      logger: silentLogger(),
    });
  });

  afterAll(async () => {
    await unit?.stop();
    await hq?.stop();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('relays a unit through Mosquitto: online on the dashboard, its new member in HQ search', async () => {
    const token = await login(unit.url);
    const created = await fetch(`${unit.url}/api/v1/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'Maurício Mosquitto' }),
    });
    expect(created.status).toBe(201);
    const hqToken = await login(hq.url);
    let names: string[] = [];
    for (let i = 0; i < 150 && names.length === 0; i++) {
      const found = await fetch(`${hq.url}/api/v1/members?q=mauricio`, {
        headers: { authorization: `Bearer ${hqToken}` },
      });
      names = ((await found.json()) as { items: { name: string }[] }).items.map((m) => m.name);
      if (names.length === 0) await sleep(100);
    }
    expect(names).toEqual(['Maurício Mosquitto']);
    // HQ started before Mosquitto: its monitor connection comes back on its own back-off, maybe after the data.
    for (let i = 0; i < 150 && !hq.snapshot().broker.reachable; i++) await sleep(100);
    const snapshot = hq.snapshot();
    expect(snapshot.broker).toMatchObject({ kind: 'external', reachable: true });
    expect(snapshot.units.find((u) => u.unitId === 'sp-paulista')?.state).toBe('online');
  });
});
