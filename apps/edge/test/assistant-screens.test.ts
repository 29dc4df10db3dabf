// The assistant's chat panel in real Chromium on a real unit: a member checks in at the kiosk, asks in
// Portuguese for tomorrow's classes, books one through the chat with a read-back and a yes, and sees it
// in their week; the staff console asks the same in English and books for a member.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DocumentId, deterministicDocId } from '@gymedge/crdt-schema';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/api/index.ts';
import { type Fixture, seedAssistantFixture } from '../src/assistant/fixture.ts';
import { StoreAssistantPorts } from '../src/assistant/store-adapter.ts';
import { cpfFromBase } from '../src/domain/cpf.ts';
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
let dora: { id: string; cpf: string };

beforeAll(async () => {
  await ensureWebBuilt(WEB, [UI]);
  dataDir = mkdtempSync(join(tmpdir(), 'gymedge-assistant-screens-'));
  edge = await startEdge({ unitId: UNIT, port: 0, dataDir, adminPassword: PASSWORD, logger: silentLogger() });
  fixture = await seedAssistantFixture(edge.unit, UNIT, localDate(new Date(), 'America/Sao_Paulo'), 3);
  // Open around the clock, so that the kiosk check-in is never refused as "closed" whenever CI runs.
  const allDay = { opens: '00:00', closes: '24:00' };
  await edge.unit.store.update(deterministicDocId('unit', UNIT), {
    openingHours: {
      mon: allDay,
      tue: allDay,
      wed: allDay,
      thu: allDay,
      fri: allDay,
      sat: allDay,
      sun: allDay,
    },
  });
  const cpf = cpfFromBase('418273645');
  const member = await edge.unit.members.create(
    { name: 'Dora Costa', document: cpf },
    { id: 'seed', role: 'system' },
  );
  await edge.unit.store.create('membership', {
    memberId: member.id as DocumentId<'member'>,
    planId: deterministicDocId('plan', 'assistant-monthly'),
    status: 'active',
    startDate: '2026-01-01',
    endDate: '2030-01-01',
    priceCents: 14990,
    autoRenew: true,
  });
  dora = { id: member.id, cpf };
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
  it('a member at the kiosk asks in Portuguese, books through the chat with a confirmation, and sees it', async () => {
    const screen = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const page = screen.page;
    await page.goto(`${edge.url}/kiosk?idle=300&camera=off`);
    await page.getByText('Bem-vindo!').waitFor();
    for (const digit of dora.cpf.replace(/\D/g, '')) await page.locator(`[data-key="${digit}"]`).click();
    await page.locator('[data-key="submit"]').click();
    await page.getByTestId('checkin-result').waitFor();
    await page.getByTestId('open-assistant').click();
    await page.getByTestId('assistant-input').fill('quais aulas tem amanhã?');
    await page.getByTestId('assistant-send').click();
    await page.getByText(/Aulas de amanhã/).waitFor();
    await page.getByTestId('assistant-input').fill('me coloca no spinning amanhã às 19h');
    await page.getByTestId('assistant-send').click();
    await page.getByText(/Confirma a reserva de Spinning, amanhã/).waitFor();
    await screenshot(page, 'assistant-kiosk-readback');
    const ports = StoreAssistantPorts.over(edge.unit, { unitId: UNIT });
    expect(ports.bookingsOf(dora.id, new Date().toISOString())).toEqual([]);
    await page.getByTestId('assistant-yes').click();
    await page.getByText(/Pronto! Reservei Spinning/).waitFor();
    await screenshot(page, 'assistant-kiosk-booked');
    await page.getByTestId('close-assistant').click();
    await page.getByTestId('see-classes').click();
    await page.locator('.kiosk-session.kiosk-booked').filter({ hasText: 'Spinning' }).first().waitFor();
    await screenshot(page, 'assistant-kiosk-week');
    const booked = ports.bookingsOf(dora.id, new Date().toISOString());
    expect(booked.map((b) => [b.session.title, b.session.localTime])).toEqual([['Spinning', '19:00']]);
    expect(await page.locator('.kiosk-session.kiosk-booked').count()).toBe(1);
    expect(screen.errors).toEqual([]);
    await screen.close();
  });

  it('staff ask the console in English and book for a member with a confirmation', async () => {
    const screen = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const page = screen.page;
    await page.goto(`${edge.url}/staff`);
    await page.getByTestId('language-toggle').click();
    await page.locator('input[name="login"]').fill('desk');
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('button[type="submit"]').click();
    // The console's assistant view (#assistant), or the chat itself when the console is only the assistant.
    await page.locator('[data-testid="assistant-chat"], [data-testid="nav-assistant"]').first().waitFor();
    if ((await page.getByTestId('nav-assistant').count()) > 0)
      await page.getByTestId('nav-assistant').click();
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
