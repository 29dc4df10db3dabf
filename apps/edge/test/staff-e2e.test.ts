// The staff console in real headless Chromium against a real unit: sign-in, a new member with a plan,
// a Pix payment shown as a BR Code QR and confirmed, the daily report with charts, rosters, the alerts
// inbox, switching language; and the kiosk's token kept away from staff data.
import { launchBrowser, openPage, type ScreenPage, screenshot } from '@gymedge/ui/chromium';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTlv, pixCrcValid } from '../src/domain/pix.ts';
import {
  ADMIN_PASSWORD,
  catalogue,
  paidMember,
  startTestUnit,
  type TestUnit,
  tomorrow,
} from './ops-fixtures.ts';

let unit: TestUnit;
let browser: Browser;
let screen: ScreenPage;

beforeAll(async () => {
  unit = await startTestUnit();
  const { planId, classTypeId } = await catalogue(unit);
  const ana = await paidMember(unit, 'Ana Souza', planId);
  const session = await unit.api<{ id: string }>('POST', '/api/v1/sessions', {
    classTypeId,
    date: tomorrow(),
    time: '18:30',
    capacity: 12,
    room: 'Estúdio 2',
  });
  await unit.api('POST', `/api/v1/sessions/${session.id}/bookings`, { memberId: ana.id });
  await unit.api('POST', '/api/v1/checkins', { memberId: ana.id });
  const zone = await unit.api<{ id: string }>('POST', '/api/v1/zones', { name: 'Musculação', kind: 'floor' });
  await unit.api('POST', '/api/v1/equipment', { name: 'Esteira 3', kind: 'treadmill', zoneId: zone.id });
  await unit.edge.unit.store.create('alert', {
    kind: 'occupancy',
    severity: 'warning',
    title: 'Musculação lotada',
    detail: '92 pessoas (limite 90)',
    raisedAt: new Date().toISOString(),
  });
  browser = await launchBrowser();
  screen = await openPage(browser, { viewport: { width: 1366, height: 900 } });
});

afterAll(async () => {
  await screen?.close();
  await browser?.close();
  await unit?.cleanup();
});

describe('the staff console', () => {
  it('signs in', async () => {
    await screen.page.goto(`${unit.url}/staff`);
    await screen.page.getByText('Entrar no console').waitFor();
    await screenshot(screen.page, 'staff-sign-in');
    await screen.page.locator('input[name=login]').fill('admin');
    await screen.page.locator('input[name=password]').fill(ADMIN_PASSWORD);
    await screen.page.getByRole('button', { name: 'Entrar' }).click();
    await screen.page.getByTestId('nav-members').waitFor();
  });

  it('creates a member, sells a plan, and takes the first charge by Pix', async () => {
    await screen.page.getByTestId('new-member').click();
    const form = screen.page.getByTestId('member-form');
    await form.locator('input[name=name]').fill('Carla Dias');
    await form.locator('input[name=document]').fill('529.982.247-25');
    await form.locator('input[name=phone]').fill('(11) 98765-4321');
    await form.getByRole('button', { name: 'Cadastrar' }).click();
    await screen.page.getByTestId('member-name').filter({ hasText: 'Carla Dias' }).waitFor();
    await screen.page.getByTestId('sell').click();
    await screen.page.getByTestId('notice').filter({ hasText: 'Plano vendido' }).waitFor();
    await screen.page.getByTestId('membership-state').filter({ hasText: 'Ativo' }).waitFor();
    // The enrolment fee and the first month: two open charges.
    await expect.poll(() => screen.page.getByTestId('pay-pix').count()).toBe(2);
    await screen.page.getByTestId('pay-pix').first().click();
    const payload = (await screen.page.getByTestId('pix-payload').textContent()) ?? '';
    expect(pixCrcValid(payload)).toBe(true);
    expect(parseTlv(payload).get('54')).toMatch(/^(50\.00|129\.90)$/);
    await screenshot(screen.page, 'staff-pix');
    await screen.page.getByTestId('confirm-pix').click();
    await screen.page.getByTestId('notice').filter({ hasText: 'Recibo' }).waitFor();
    await expect.poll(() => screen.page.getByTestId('pay-pix').count()).toBe(1);
    expect(screen.errors).toEqual([]);
  });

  it('shows the day: check-ins, revenue by method, classes, overdue', async () => {
    await screen.page.getByTestId('nav-reports').click();
    await screen.page.getByTestId('kpis').waitFor();
    expect(Number(await screen.page.getByTestId('kpi-checkins').textContent())).toBe(1);
    // Ana's cash payments (fee + month) and Carla's Pix.
    expect(await screen.page.getByTestId('kpi-revenue').textContent()).toMatch(/R\$\s*(229,90|309,80)/);
    await screen.page.locator('.ge-chart svg').first().waitFor();
    expect(await screen.page.locator('.ge-chart svg').count()).toBe(3);
    await screenshot(screen.page, 'staff-reports');
  });

  it('lists classes with their roster, and the alerts inbox', async () => {
    await screen.page.getByTestId('nav-classes').click();
    await screen.page.getByRole('cell', { name: 'Spinning' }).first().click();
    await screen.page.getByTestId('roster').getByRole('cell', { name: 'Ana Souza' }).waitFor();
    await screenshot(screen.page, 'staff-classes');
    await screen.page.getByTestId('nav-alerts').click();
    await screen.page.getByText('Musculação lotada: 92 pessoas (limite 90)').waitFor();
    await screen.page.getByRole('button', { name: 'Resolvido' }).click();
    await screen.page.getByRole('cell', { name: '✓' }).waitFor();
    await screen.page.getByTestId('nav-equipment').click();
    await screen.page.getByRole('cell', { name: 'Esteira 3' }).waitFor();
    await screen.page.getByRole('button', { name: 'Registrar defeito' }).click();
    await screen.page.getByText('Fora de uso').waitFor();
  });

  it('switches to English', async () => {
    await screen.page.getByTestId('language-toggle').click();
    await screen.page.getByTestId('nav-members').filter({ hasText: 'Members' }).waitFor();
    await screen.page.getByTestId('nav-payments').click();
    await screen.page.getByRole('heading', { name: 'Overdue' }).waitFor();
    await screenshot(screen.page, 'staff-overdue-en');
  });
});

describe('what a kiosk may not do', () => {
  it('pairs on loopback, checks in and books, but never reads staff data', async () => {
    const pair = await fetch(`${unit.url}/api/v1/kiosk/pair`, { method: 'POST' });
    expect(pair.status).toBe(200);
    const { token } = (await pair.json()) as { token: string };
    const get = (path: string) =>
      fetch(`${unit.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    for (const path of [
      '/api/v1/reports/daily',
      '/api/v1/payments/overdue',
      '/api/v1/alerts',
      '/api/v1/exports/members.csv',
    ])
      expect((await get(path)).status, path).toBe(403);
    expect((await get('/api/v1/sessions')).status).toBe(200);
  });
});
