// The lobby kiosk of a unit that is enrolled at HQ keeps checking members in while HQ and its broker are gone,
// says so quietly, and hands HQ the check-in once HQ is back: real HQ, real unit, real Chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, paidMember, startTestUnit, type TestUnit, UNIT } from '../../edge/test/ops-fixtures.ts';
import { CREDENTIALS_FILE_NAME, enrolUnit, writeCredentialsFile } from '../src/enrolment.ts';
import { type RunningHq, startHq } from '../src/hq-app.ts';

const PASSWORD = 'kiosk cut off password';
let unit: TestUnit;
let hq: RunningHq | undefined;
let hqDir: string;
let mqttPort: number;
let browser: Browser;

interface UnitHealth {
  sync: { state: string; pendingChanges: number; pendingRecords?: number };
}

async function syncOf(): Promise<UnitHealth['sync']> {
  const response = await fetch(`${unit.url}/health`);
  return ((await response.json()) as UnitHealth).sync;
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const startHqOn = (port: number) =>
  startHq({ dataDir: hqDir, port: 0, mqttPort: port, adminPassword: PASSWORD, logger: silentLogger() });

beforeAll(async () => {
  unit = await startTestUnit();
  hqDir = mkdtempSync(join(tmpdir(), 'gymedge-kiosk-hq-'));
  hq = await startHqOn(0);
  mqttPort = Number(new URL(hq.brokerUrl).port);
  const credentials = await enrolUnit(hq.registry, UNIT, { brokerUrl: hq.brokerUrl });
  writeCredentialsFile(join(unit.dataDir, UNIT, CREDENTIALS_FILE_NAME), credentials);
  await unit.restart();
  await until('the unit to reach HQ', async () => (await syncOf()).state === 'connected');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await unit?.cleanup();
  await hq?.stop();
  rmSync(hqDir, { recursive: true, force: true });
});

describe('the kiosk while the unit is cut off from HQ', () => {
  it('checks a member in with HQ and its broker down, and HQ gets the check-in once it is back', async () => {
    const { planId } = await catalogue(unit);
    const carla = await paidMember(unit, 'Carla Dias', planId);
    await until('the new member to reach HQ', async () => (await syncOf()).pendingChanges === 0);

    await hq?.stop();
    hq = undefined;
    await until('the unit to notice HQ is gone', async () => (await syncOf()).state === 'disconnected');

    const screen = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    await screen.page.goto(`${unit.url}/kiosk?idle=120&camera=off`);
    await screen.page.getByText('Bem-vindo!').waitFor();
    for (const digit of carla.cpf) await screen.page.locator(`[data-key="${digit}"]`).click();
    await screen.page.locator('[data-key="submit"]').click();
    await screen.page.getByText('Olá, Carla!').waitFor();
    // The kiosk says quietly that HQ is out of reach, and nothing else changes for the member.
    await screen.page.locator('[data-testid="sync-indicator"][data-state="disconnected"]').waitFor();
    await screenshot(screen.page, 'kiosk-cut-off-from-hq');
    await screen.close();
    expect((await syncOf()).pendingRecords ?? 0).toBeGreaterThan(0);

    hq = await startHqOn(mqttPort);
    await until(
      'the check-in to reach HQ',
      async () => {
        const sync = await syncOf();
        return sync.state === 'connected' && (sync.pendingRecords ?? 0) === 0 && sync.pendingChanges === 0;
      },
      60_000,
    );
    const shipped = unit.edge.unit.db
      .prepare<[string], { shipped: number }>(
        'SELECT count(*) AS shipped FROM checkins WHERE member_id = ? AND shipped_at IS NOT NULL',
      )
      .get(carla.id);
    expect(shipped?.shipped).toBe(1);
  });
});
