// The lobby kiosk in real headless Chromium against a real unit: check-in by a QR code shown to the
// page's camera (a fake camera playing a QR frame) and by CPF or member number on the on-screen keypad, booking until the
// class is full, the waiting line, a cancellation promoting the first in line (seen at the next visit),
// switching language, and the kiosk carrying on across a restart of the unit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newDocId } from '@gymedge/crdt-schema';
import { fakeCameraArgs, launchBrowser, openPage, type ScreenPage, screenshot } from '@gymedge/ui/chromium';
import { writeQrVideo } from '@gymedge/ui/fake-camera';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../src/store/test-support.ts';
import { catalogue, paidMember, startTestUnit, type TestUnit, tomorrow } from './ops-fixtures.ts';

let unit: TestUnit;
let browser: Browser;
let cameraDir: string;
let ana: { id: string; cpf: string };
let bruno: { id: string; cpf: string };
let sessionId: string;
let planOf: string;

beforeAll(async () => {
  unit = await startTestUnit();
  const { planId, classTypeId } = await catalogue(unit);
  planOf = planId;
  ana = await paidMember(unit, 'Ana Souza', planId);
  bruno = await paidMember(unit, 'Bruno Lima', planId);
  const session = await unit.api<{ id: string }>('POST', '/api/v1/sessions', {
    classTypeId,
    date: tomorrow(),
    time: '07:00',
    capacity: 1,
    room: 'Estúdio 1',
  });
  sessionId = session.id;
  const { code } = await unit.api<{ code: string }>('GET', `/api/v1/members/${ana.id}/qr`);
  cameraDir = mkdtempSync(join(tmpdir(), 'gymedge-camera-'));
  const video = writeQrVideo(join(cameraDir, 'qr.y4m'), code);
  browser = await launchBrowser({ args: fakeCameraArgs(video) });
});

afterAll(async () => {
  await browser?.close();
  await unit?.cleanup();
  rmSync(cameraDir, { recursive: true, force: true });
});

async function kiosk(camera = false): Promise<ScreenPage> {
  const screen = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  await screen.page.goto(`${unit.url}/kiosk?idle=120${camera ? '' : '&camera=off'}`);
  await screen.page.getByText('Bem-vindo!').waitFor();
  return screen;
}

/** Types a CPF or a member number on the keypad and submits it. */
async function typeCpf(screen: ScreenPage, cpf: string): Promise<void> {
  for (const digit of cpf) await screen.page.locator(`[data-key="${digit}"]`).click();
  await screen.page.locator('[data-key="submit"]').click();
  await screen.page.getByTestId('checkin-result').waitFor();
}

describe('the kiosk', () => {
  it('checks a member in from the QR code on their card, shown to the camera', async () => {
    const screen = await kiosk(true);
    await screen.page.getByText('Olá, Ana!').waitFor({ timeout: 15_000 });
    expect(await screen.page.getByTestId('verdict').textContent()).toBe('Entrada liberada');
    expect(await screen.page.getByTestId('next-class').textContent()).toContain(
      'Você não tem aulas reservadas',
    );
    await screenshot(screen.page, 'kiosk-checkin-qr');
    // The week: the member books the last (only) seat.
    await screen.page.getByTestId('see-classes').click();
    const card = screen.page.getByTestId('session').filter({ hasText: 'Spinning' });
    await card.getByText('1 vaga').waitFor();
    await card.getByTestId('session-action').click();
    await screen.page.getByTestId('booking-message').filter({ hasText: 'Aula reservada!' }).waitFor();
    await card.getByText('Reservado').waitFor();
    await screenshot(screen.page, 'kiosk-week-booked');
    expect(screen.errors).toEqual([]);
    await screen.close();
  });

  it('checks a member in by CPF on the keypad; the full class puts them on the waiting line', async () => {
    const screen = await kiosk();
    await typeCpf(screen, bruno.cpf);
    await screen.page.getByText('Olá, Bruno!').waitFor();
    await screen.page.getByTestId('see-classes').click();
    const card = screen.page.getByTestId('session').filter({ hasText: 'Spinning' });
    await card.getByText('Lotada').waitFor();
    await card.getByRole('button', { name: 'Entrar na lista de espera' }).click();
    await screen.page.getByText('Você está na lista de espera, posição 1.').waitFor();
    await card.getByText('Lista de espera: 1º').waitFor();
    await screenshot(screen.page, 'kiosk-waitlist');
    await screen.close();
  });

  it('a cancellation gives the seat to the first in line, who sees it at the next visit', async () => {
    const screen = await kiosk();
    // Ana is already inside: the kiosk says so, and still lets her manage her classes.
    await typeCpf(screen, ana.cpf);
    expect(await screen.page.getByTestId('verdict').textContent()).toBe('Você já está na unidade');
    expect(await screen.page.getByTestId('reason').textContent()).toMatch(/Você já entrou às \d\d:\d\d/);
    await screen.page.getByTestId('see-classes').click();
    const card = screen.page.getByTestId('session').filter({ hasText: 'Spinning' });
    await card.getByRole('button', { name: 'Cancelar reserva' }).click();
    await screen.page.getByText('Reserva cancelada.').waitFor();
    await screen.page.getByRole('button', { name: 'Concluir' }).first().click();
    // Bruno comes back: the greeting tells him he got the seat.
    await typeCpf(screen, bruno.cpf);
    await screen.page.getByTestId('promotion').waitFor();
    expect(await screen.page.getByTestId('promotion').textContent()).toContain('saiu da lista de espera');
    expect(await screen.page.getByTestId('next-class').textContent()).toContain('Spinning');
    await screenshot(screen.page, 'kiosk-promoted');
    const roster = await unit.api<{ bookings: Array<{ memberId: string; status: string }> }>(
      'GET',
      `/api/v1/sessions/${sessionId}`,
    );
    expect(roster.bookings.filter((b) => b.status === 'booked').map((b) => b.memberId)).toEqual([bruno.id]);
    await screen.close();
  });

  it('checks a member in by the member number on their card, typed on the keypad', async () => {
    // Carla's card carries the chain's customer number 48213 (externalRef, as the chain's import brings it).
    const carla = await unit.edge.unit.members.createDocument(
      newDocId('member'),
      { status: 'active', consent: { marketing: false, imageAnalytics: false } },
      { name: 'Carla Dias', externalRef: '48213' },
      SYSTEM,
    );
    const sold = await unit.api<{ payments: Array<{ id: string }> }>(
      'POST',
      `/api/v1/members/${carla.id}/memberships`,
      { planId: planOf },
    );
    for (const payment of sold.payments)
      await unit.api('POST', `/api/v1/payments/${payment.id}/pay`, { method: 'cash' });
    const screen = await kiosk();
    expect(await screen.page.getByText('ou digite seu CPF ou número de aluno').count()).toBe(1);
    await typeCpf(screen, '48213');
    await screen.page.getByText('Olá, Carla!').waitFor();
    expect(await screen.page.getByTestId('verdict').textContent()).toBe('Entrada liberada');
    await screenshot(screen.page, 'kiosk-member-number');
    await screen.page.getByRole('button', { name: 'Concluir' }).first().click();
    // A number nobody has is refused in words, like an unknown CPF.
    await typeCpf(screen, '48214');
    expect(await screen.page.getByTestId('reason').textContent()).toBe(
      'Não encontramos esse cadastro. Confira o número ou procure a recepção.',
    );
    await screen.close();
  });

  it('switches to English and refuses an unknown CPF in words', async () => {
    const screen = await kiosk();
    await screen.page.getByTestId('language-toggle').click();
    await screen.page.getByText('Welcome!').waitFor();
    await typeCpf(screen, '52998224725');
    expect(await screen.page.getByTestId('reason').textContent()).toBe(
      'We could not find that member. Check the number or see the front desk.',
    );
    await screenshot(screen.page, 'kiosk-unknown-en');
    await screen.close();
  });

  it('keeps working across a restart of the unit, showing a quiet offline sign meanwhile', async () => {
    const screen = await kiosk();
    await unit.stop();
    // A check-in typed while the unit is down waits and goes through once it is back.
    const pending = typeCpf(screen, ana.cpf);
    await screen.page
      .getByTestId('status-indicator')
      .filter({ hasText: 'Sem conexão' })
      .waitFor({ timeout: 10_000 });
    await screenshot(screen.page, 'kiosk-offline');
    await unit.restart();
    await pending;
    await screen.page.getByText('Olá, Ana!').waitFor();
    await screen.page
      .getByTestId('status-indicator')
      .filter({ hasText: 'Conectado' })
      .waitFor({ timeout: 10_000 });
    await screen.close();
  });
});
