// The camera monitor in real Chromium on a real unit playing vtest.avi: live streamed frames with overlays
// (boxes, ids, skeletons from the unit's own pose Chromium), people counted, zones listed, and a counting
// line drawn with the editor and saved.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { EDGE_ROOT } from '../src/paths.ts';
import { NO_MODEL, NO_VTEST } from './vision-support.ts';

const WEB = join(EDGE_ROOT, 'web');
const UI = join(EDGE_ROOT, '..', '..', 'packages', 'ui');
const PASSWORD = 'camera screen password';

describe.skipIf(NO_MODEL !== '' || NO_VTEST !== '')(`the camera monitor ${NO_MODEL || NO_VTEST}`, () => {
  let browser: Browser;
  let edge: RunningEdge;
  let dataDir: string;
  beforeAll(async () => {
    await ensureWebBuilt(WEB, [UI]);
    dataDir = mkdtempSync(join(tmpdir(), 'vision-screen-'));
    edge = await startEdge({
      unitId: 'sp-paulista',
      port: 0,
      dataDir,
      adminPassword: PASSWORD,
      logger: silentLogger(),
      vision: { demoCamera: true },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the live camera with boxes, ids and zones, and saves a line drawn on the frame', async () => {
    const screen = await openPage(browser, { viewport: { width: 1400, height: 900 } });
    const page = screen.page;
    await page.goto(`${edge.url}/cameras`);
    await page.getByLabel('Usuário').fill('admin');
    await page.getByLabel('Senha').fill(PASSWORD);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByText('Visão funcionando').waitFor({ timeout: 20_000 });
    await page.locator('.cam-people', { hasText: /Pessoas agora: [1-9]/ }).waitFor({ timeout: 20_000 });
    await page.locator('.cam-waiting').waitFor({ state: 'detached', timeout: 20_000 });
    // The walkway and lawn zones of the demo layout are listed with their counts.
    await page
      .getByText(/Passarela/)
      .first()
      .waitFor();
    // Pose runs on the demo camera (2 frames a second): skeletons on the streamed frames.
    await page.locator('.cam-pose', { hasText: /[1-9] com esqueleto/ }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(800);
    await screenshot(page, 'cameras-live');

    await page.getByRole('button', { name: 'Desenhar zonas e linhas' }).click();
    await page.getByRole('button', { name: 'Nova linha (dois cliques)' }).click();
    const canvas = page.locator('.cam-frame canvas');
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no canvas');
    await canvas.click({ position: { x: box.width * 0.7, y: box.height * 0.2 } });
    await canvas.click({ position: { x: box.width * 0.7, y: box.height * 0.9 } });
    await page.getByRole('button', { name: 'Salvar' }).click();
    await page.getByText('Zonas e linhas salvas').waitFor();
    await screenshot(page, 'cameras-editor');
    const { cameras } = (await (
      await fetch(`${edge.url}/api/v1/vision/status`, {
        headers: { authorization: `Bearer ${await tokenOf(page)}` },
      })
    ).json()) as { cameras: { id: string }[] };
    const layout = (await (
      await fetch(`${edge.url}/api/v1/vision/cameras/${cameras[0]?.id}/layout`, {
        headers: { authorization: `Bearer ${await tokenOf(page)}` },
      })
    ).json()) as { lines: { id: string; from: number[]; to: number[] }[] };
    const drawn = layout.lines.find((l) => l.id === 'linha-2');
    expect(drawn?.from[0]).toBeCloseTo(0.7, 1);
    expect(drawn?.to[1]).toBeCloseTo(0.9, 1);
    expect(screen.errors).toEqual([]);
    await screen.close();
  }, 150_000);
});

async function tokenOf(page: import('playwright-core').Page): Promise<string> {
  const raw = await page.evaluate("sessionStorage.getItem('gymedge.session.cameras')");
  return typeof raw === 'string' ? (JSON.parse(raw) as { token: string }).token : '';
}
