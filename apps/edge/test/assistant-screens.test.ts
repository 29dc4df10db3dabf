// The assistant's chat panel in real Chromium on a real unit: the staff console asks in English for
// tomorrow's classes and books one for a member through the chat, with the read-back and a yes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/api/index.ts';
import { type Fixture, seedAssistantFixture } from '../src/assistant/fixture.ts';
import { StoreAssistantPorts } from '../src/assistant/store-adapter.ts';
import { localDate } from '../src/domain/time.ts';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { EDGE_ROOT } from '../src/paths.ts';

const WEB = join(EDGE_ROOT, 'web');
const UI = join(EDGE_ROOT, '..', '..', 'packages', 'ui');
const UNIT = 'sp-paulista';
const PASSWORD = 'assistant screens password';

let browser: Browser;
let edge: RunningEdge;
let dataDir: string;
let fixture: Fixture;

beforeAll(async () => {
  await ensureWebBuilt(WEB, [UI]);
  dataDir = mkdtempSync(join(tmpdir(), 'gymedge-assistant-screens-'));
  edge = await startEdge({ unitId: UNIT, port: 0, dataDir, adminPassword: PASSWORD, logger: silentLogger() });
  fixture = await seedAssistantFixture(edge.unit, UNIT, localDate(new Date(), 'America/Sao_Paulo'), 3);
  await edge.unit.store.create('staff', {
    name: 'Recepção',
    login: 'desk',
    role: 'staff',
    units: [UNIT],
    passwordHash: await hashPassword(PASSWORD),
    active: true,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the assistant on screen', () => {
  it('staff ask the console in English and book for a member with a confirmation', async () => {
    const screen = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const page = screen.page;
    await page.goto(`${edge.url}/staff`);
    await page.getByTestId('language-toggle').click();
    await page.getByTestId('staff-login').fill('desk');
    await page.getByTestId('staff-password').fill(PASSWORD);
    await page.getByTestId('staff-sign-in').click();
    await page.getByTestId('assistant-chat').waitFor();
    await page.getByTestId('staff-member').fill(fixture.otherMemberId);
    await page.getByTestId('assistant-input').fill('What classes are on tomorrow?');
    await page.getByTestId('assistant-send').click();
    await page.getByText(/Classes tomorrow/).waitFor();
    await page.getByTestId('assistant-input').fill('book spinning tomorrow at 7pm');
    await page.getByTestId('assistant-send').click();
    await page.getByText(/Shall I book Spinning, tomorrow/).waitFor();
    await screenshot(page, 'assistant-staff-readback');
    const ports = StoreAssistantPorts.over(edge.unit, { unitId: UNIT });
    expect(ports.bookingsOf(fixture.otherMemberId, new Date().toISOString())).toEqual([]);
    await page.getByTestId('assistant-yes').click();
    await page.getByText(/Done! You are booked into Spinning/).waitFor();
    await screenshot(page, 'assistant-staff-booked');
    const booked = ports.bookingsOf(fixture.otherMemberId, new Date().toISOString());
    expect(booked.map((b) => [b.session.title, b.session.localTime])).toEqual([['Spinning', '19:00']]);
    expect(screen.errors).toEqual([]);
    await screen.close();
  });
});
