// The one UI stack, end to end: the unit serves the built screens with their CSP, they load in real
// Chromium without a console error, and the language toggle switches pt-BR ↔ en.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { EDGE_ROOT } from '../src/paths.ts';

const WEB = join(EDGE_ROOT, 'web');
const UI = join(EDGE_ROOT, '..', '..', 'packages', 'ui');

let browser: Browser;
let edge: RunningEdge;
let dataDir: string;

beforeAll(async () => {
  await ensureWebBuilt(WEB, [UI]);
  dataDir = mkdtempSync(join(tmpdir(), 'gymedge-screens-'));
  edge = await startEdge({ unitId: 'sp-paulista', port: 0, dataDir, adminPassword: 'screens test password' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the screens the unit serves', () => {
  it('serves each page with a CSP that allows only its own origin', async () => {
    for (const page of ['kiosk', 'staff', 'cameras']) {
      const response = await fetch(`${edge.url}/${page}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/ 'unsafe-eval'/);
      expect(await response.text()).toContain('/assets/');
    }
    const api = await fetch(`${edge.url}/health`);
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('loads the kiosk without errors and switches language', async () => {
    const screen = await openPage(browser);
    await screen.page.goto(`${edge.url}/kiosk`);
    await screen.page.getByText('Recepção').first().waitFor();
    await screenshot(screen.page, 'ops-screens-kiosk-pt');
    await screen.page.getByTestId('language-toggle').click();
    await screen.page.getByText('Front desk').first().waitFor();
    expect(await screen.page.evaluate('document.documentElement.lang')).toBe('en');
    expect(screen.errors).toEqual([]);
    await screen.close();
  });
});
