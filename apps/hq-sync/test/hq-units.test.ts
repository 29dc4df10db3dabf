// HQ and two real units in one process: enrolment writes each unit's credentials, the units connect
// with them, and a member created at sp-paulista through its API is found in HQ's member search.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEdge, startEdge } from '@gymedge/edge/src/edge-app.ts';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import { EDGE_ROOT } from '@gymedge/edge/src/paths.ts';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE_NAME, enrolUnit, writeCredentialsFile } from '../src/enrolment.ts';
import { type RunningHq, startHq } from '../src/hq-app.ts';

const PASSWORD = 'senha-da-rede-123';
let dir: string;
let hq: RunningHq;
const units: RunningEdge[] = [];

async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gymedge-hq-units-'));
  hq = await startHq({ dataDir: dir, port: 0, mqttPort: 0, adminPassword: PASSWORD, logger: silentLogger() });
  for (const unitId of ['sp-paulista', 'rj-copacabana']) {
    const credentials = await enrolUnit(hq.registry, unitId, { brokerUrl: hq.brokerUrl });
    writeCredentialsFile(join(dir, unitId, CREDENTIALS_FILE_NAME), credentials);
    units.push(
      await startEdge({ unitId, port: 0, dataDir: dir, adminPassword: PASSWORD, logger: silentLogger() }),
    );
  }
});

afterAll(async () => {
  for (const unit of units) await unit.stop();
  await hq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('HQ with two enrolled units', () => {
  it('shows both units online and finds a member created at sp-paulista within seconds', async () => {
    const [sp] = units;
    if (sp === undefined) throw new Error('no unit');
    const unitToken = await login(sp.url);
    const created = await fetch(`${sp.url}/api/v1/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${unitToken}` },
      body: JSON.stringify({ name: 'Heloísa Sincronizada' }),
    });
    expect(created.status).toBe(201);
    const started = Date.now();
    const hqToken = await login(hq.url);
    let found: { name?: string; unitId: string }[] = [];
    while (Date.now() - started < 15_000) {
      const answer = await fetch(`${hq.url}/api/v1/members?q=helo`, {
        headers: { authorization: `Bearer ${hqToken}` },
      });
      found = ((await answer.json()) as { items: { name?: string; unitId: string }[] }).items;
      if (found.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    expect(found).toEqual([expect.objectContaining({ name: 'Heloísa Sincronizada', unitId: 'sp-paulista' })]);
    expect(seconds).toBeLessThan(10);
    const states = () => hq.snapshot().units.map((u) => [u.unitId, u.state]);
    for (let i = 0; i < 100 && states().some(([, state]) => state !== 'online'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(states()).toEqual([
      ['rj-copacabana', 'online'],
      ['sp-paulista', 'online'],
    ]);
  });

  it("shows the link on each unit's /health and /metrics: connected, nothing pending, last sync", async () => {
    const [sp] = units;
    if (sp === undefined) throw new Error('no unit');
    type Health = {
      sync: { state: string; pendingChanges: number; lagSeconds?: number; lastSyncAt?: string };
    };
    let health: Health | undefined;
    for (let i = 0; i < 100; i++) {
      health = (await (await fetch(`${sp.url}/health`)).json()) as Health;
      if (health.sync.state === 'connected' && health.sync.pendingChanges === 0 && health.sync.lastSyncAt)
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(health?.sync).toMatchObject({ state: 'connected', pendingChanges: 0, lagSeconds: 0 });
    expect(Date.parse(health?.sync.lastSyncAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    const metrics = await (await fetch(`${sp.url}/metrics`)).text();
    expect(metrics).toMatch(/^gymedge_sync_connected 1$/m);
    expect(metrics).toMatch(/^gymedge_sync_pending_changes 0$/m);
    expect(metrics).toMatch(/^gymedge_sync_lag_seconds 0$/m);
  });

  it("shows the link to HQ on the unit's own screens (the sync indicator)", async () => {
    const [sp] = units;
    if (sp === undefined) throw new Error('no unit');
    await ensureWebBuilt(join(EDGE_ROOT, 'web'), [join(EDGE_ROOT, '..', '..', 'packages', 'ui')]);
    const browser = await launchBrowser();
    try {
      const screen = await openPage(browser, { viewport: { width: 1280, height: 800 } });
      await screen.page.goto(`${sp.url}/staff`);
      const indicator = screen.page.getByTestId('sync-indicator');
      await indicator.getByText('Matriz: em dia').waitFor({ timeout: 15_000 });
      expect(await indicator.getAttribute('data-state')).toBe('connected');
      await screenshot(screen.page, 'unit-sync-indicator');
      await screen.close();
    } finally {
      await browser.close();
    }
  });
});
