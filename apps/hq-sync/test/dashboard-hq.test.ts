// The HQ sync dashboard in real Chromium against a real HQ (store, embedded broker, API): units with
// their state from the retained presence topic, chain figures, live updates over SSE, a quarantined
// change opened and retried, pt-BR and en. Screenshots in test-artifacts/: look at them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import { openUnitStore, type UnitStore } from '@gymedge/edge/src/unit-store.ts';
import { encode, topicFor } from '@gymedge/sync-protocol';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolUnit } from '../src/enrolment.ts';
import { type RunningHq, startHq } from '../src/hq-app.ts';
import { connectClient } from './support/brokers.ts';
import { replicate } from './support/replicate.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB = join(HERE, '..', 'web');
const UI = join(HERE, '..', '..', '..', 'packages', 'ui');
const PASSWORD = 'senha-do-painel-123';

let dir: string;
let hq: RunningHq;
let browser: Browser;
let sp: UnitStore;
const clients: MqttClient[] = [];

beforeAll(async () => {
  await ensureWebBuilt(WEB, [UI]);
  dir = mkdtempSync(join(tmpdir(), 'gymedge-hq-dashboard-'));
  hq = await startHq({ dataDir: dir, port: 0, mqttPort: 0, adminPassword: PASSWORD, logger: silentLogger() });
  sp = openUnitStore({
    dir: join(dir, 'sp-paulista'),
    unitId: 'sp-paulista',
    logger: silentLogger(),
    compactEveryMs: 0,
  });
  const rj = openUnitStore({
    dir: join(dir, 'rj-copacabana'),
    unitId: 'rj-copacabana',
    logger: silentLogger(),
    compactEveryMs: 0,
  });
  for (const [unit, names] of [
    [sp, ['Ana Lima', 'Bruno Alves', 'Carla Dias']],
    [rj, ['Diego Rocha', 'Elisa Prado']],
  ] as const) {
    for (const name of names) await unit.members.create({ name }, { id: 'seed', role: 'system' });
  }
  await replicate(sp, 'sp-paulista', hq.store);
  await replicate(rj, 'rj-copacabana', hq.store);
  await rj.close();
  // A change HQ cannot read: kept in quarantine, with its reason, for the operator to open.
  await hq.store.inbox.receive(
    'member:01JD8Q6W0C5V3T2YH4N8K9M7ZZ',
    new Uint8Array([1, 2, 3, 4]),
    'rj-copacabana',
  );
  // The units announce themselves on their retained state topic, with their own credentials.
  for (const unitId of ['sp-paulista', 'rj-copacabana']) {
    const credentials = await enrolUnit(hq.registry, unitId, { brokerUrl: hq.brokerUrl });
    const client = await connectClient(hq.brokerUrl, {
      username: credentials.username,
      password: credentials.password,
      clientId: `gymedge-unit-${unitId}`,
    });
    clients.push(client);
    await client.publishAsync(
      topicFor('unitState', unitId),
      encode('unitState', {
        v: 1,
        unitId,
        state: unitId === 'sp-paulista' ? 'online' : 'offline',
        at: new Date().toISOString(),
      }),
      { qos: 1, retain: true },
    );
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const client of clients) client.end(true);
  await browser?.close();
  await sp?.close();
  await hq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HQ sync dashboard', () => {
  it('shows every unit, the broker and the chain figures live, and explains a quarantined change', async () => {
    const screen = await openPage(browser, { viewport: { width: 1440, height: 1100 } });
    const { page } = screen;
    await page.goto(`${hq.url}/`);
    await page.getByTestId('signin').waitFor();
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByText('Matriz · sincronização da rede').first().waitFor();
    await page.getByTestId('state-sp-paulista').getByText('on-line').waitFor();
    expect(await page.getByTestId('state-rj-copacabana').textContent()).toBe('off-line');
    expect(await page.getByTestId('members-sp-paulista').textContent()).toBe('3');
    expect(await page.getByTestId('figure-members').locator('strong').textContent()).toBe('5');
    expect(await page.getByTestId('broker-state').textContent()).toBe('A matriz alcança o broker');
    expect(await page.getByTestId('live').textContent()).toBe('ao vivo');

    // A member created at sp-paulista reaches HQ: the page updates without a reload.
    const seq = sp.db.prepare<[], { n: number }>('SELECT max(seq) AS n FROM change_log').get()?.n ?? 0;
    await sp.members.create({ name: 'Fábio Nunes' }, { id: 'seed', role: 'system' });
    await replicate(sp, 'sp-paulista', hq.store, seq);
    await page.getByTestId('members-sp-paulista').getByText('4').waitFor({ timeout: 10_000 });
    await page.getByTestId('figure-members').getByText('6').waitFor();
    await screenshot(page, 'hq-dashboard-pt');

    // Open the quarantined change: why it was not applied; retrying with this build keeps it aside.
    await page.getByTestId('quarantine').getByRole('button', { name: 'Ver' }).first().click();
    await page.getByTestId('quarantine-detail').waitFor();
    expect(await page.getByTestId('quarantine-reason').textContent()).toMatch(/Automerge|change/i);
    await page.getByTestId('quarantine-retry').click();
    await page
      .getByTestId('quarantine-outcome')
      .getByText(/Continua em quarentena/)
      .waitFor();
    await screenshot(page, 'hq-dashboard-quarantine-pt');

    await page.getByTestId('language-toggle').click();
    await page.getByText('HQ · chain sync').first().waitFor();
    await page.getByText('Units', { exact: true }).first().waitFor();
    expect(await page.getByTestId('state-sp-paulista').textContent()).toBe('online');
    await screenshot(page, 'hq-dashboard-en');
    expect(screen.errors).toEqual([]);
    await screen.close();
  });
});
