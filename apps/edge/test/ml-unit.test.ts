import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, openPage, screenshot } from '@gymedge/ui/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoUnit } from '../src/demo/seed.ts';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { UnitMl } from '../src/ml/unit-ml.ts';
import { openUnitStore } from '../src/unit-store.ts';
import { callApi } from './support/unit-process.ts';

const UNIT = 'sp-paulista';
const TODAY = new Date().toISOString().slice(0, 10);
const PASSWORD = 'correct horse battery staple';

const shift = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('churn and segments on a seeded unit (real SQLite, real ONNX runtime, real HTTP)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gymedge-ml-'));
  const dir = join(dataDir, UNIT);

  beforeAll(async () => {
    const unit = openUnitStore({ dir, unitId: UNIT, logger: silentLogger(), compactEveryMs: 0 });
    await unit.ready;
    await seedDemoUnit(unit, {
      unitId: UNIT,
      name: 'GymEdge Paulista',
      city: 'São Paulo',
      state: 'SP',
      timeZone: 'America/Sao_Paulo',
      members: 320,
      seed: 7,
      months: 8,
      today: TODAY,
    });
    await unit.close();
  }, 180_000);

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('trains on the unit’s members, ranks them with reasons, registers versions, promotes and rolls back, and watches drift', async () => {
    const unit = openUnitStore({ dir, unitId: UNIT, logger: silentLogger(), compactEveryMs: 0 });
    await unit.ready;
    // Train as of a month ago, so that the labels of its predictions are known by TODAY.
    let today = shift(TODAY, -31);
    const ml = new UnitMl({
      dir,
      db: unit.db,
      store: unit.store,
      logger: silentLogger(),
      config: { trainOnStart: false, horizonDays: 30, psiAlert: 0.0001 },
      today: () => today,
    });
    try {
      await ml.start();
      expect(ml.status().state).toBe('no-model');
      const v1 = await ml.retrain('test');
      expect(v1?.stage).toBe('champion');
      const status = ml.status();
      expect(status.state).toBe('ready');
      expect(status.champion?.testRocAuc).toBeGreaterThan(0.6);
      const risk = ml.risk(10);
      expect(risk.length).toBe(10);
      for (let i = 1; i < risk.length; i++)
        expect(risk[i - 1]?.probability).toBeGreaterThanOrEqual(risk[i]?.probability as number);
      expect(risk[0]?.reasons.length).toBeGreaterThan(0);
      const first = risk[0]?.customerId as string;
      const scored = ml.score([first, 'member:nobody']);
      expect(scored.results[0]?.customerId).toBe(first);
      expect(scored.notFound).toEqual(['member:nobody']);
      const seg = ml.lookupSegments([first, 'x']);
      expect(seg?.results[0]?.segmentName.length).toBeGreaterThan(0);
      expect(seg?.notFound).toEqual(['x']);

      // A second training is a challenger, shadow-scored; promotion and rollback move the champion.
      const v2 = await ml.retrain('again');
      expect(v2?.version).toBe(2);
      expect(ml.registry.shadowSummary('churn', 2).n).toBeGreaterThan(100);
      await ml.promote(2);
      expect(ml.registry.champion('churn')?.version).toBe(2);
      const back = await ml.rollback();
      expect(back.version).toBe(1);
      expect(ml.registry.runs().length).toBe(2);
      expect(ml.registry.runs()[0]?.dataFingerprint).toMatch(/^fnv1a:/);

      // One horizon later the labels of the model's own predictions are known: AUC on later labels.
      today = TODAY;
      const drift = await ml.checkDrift();
      expect(Object.keys(drift.psi).length).toBeGreaterThan(5);
      expect(drift, JSON.stringify({ ...drift, psi: undefined })).toHaveProperty('laterAuc');
      expect(drift.laterAuc).toBeGreaterThan(0.5);
      expect(ml.registry.monitor('churn').some((m) => m.kind === 'auc')).toBe(true);
      // The tiny PSI threshold of this test makes any shift an alert document for the staff console.
      const alerts = unit.store.idsOfType('alert').map((id) => unit.store.get<'alert'>(id as never));
      expect(alerts.some((a) => a?.kind === 'system' && /drift/.test(a.detail ?? ''))).toBe(true);
    } finally {
      await ml.stop();
      await unit.close();
    }
  }, 180_000);

  describe('over HTTP', () => {
    let edge: RunningEdge;
    let token: string;
    beforeAll(async () => {
      edge = await startEdge({
        unitId: UNIT,
        port: 0,
        dataDir,
        adminPassword: PASSWORD,
        logger: silentLogger(),
        vision: { enabled: false },
      });
      const login = await callApi<{ token: string }>(edge.url, undefined, 'POST', '/api/v1/auth/login', {
        login: 'admin',
        password: PASSWORD,
      });
      token = login.body.token;
    }, 60_000);
    afterAll(async () => {
      await edge?.stop();
    });

    it('answers risk, score and segment lookups for an owner; refuses anonymous callers', async () => {
      expect((await callApi(edge.url, undefined, 'GET', '/api/v1/churn/risk?limit=5')).status).toBe(401);
      // The champion trained above is loaded at start; scores are computed in the background.
      let risk = await callApi<{
        items: { customerId: string; probability: number; reasons: { pt: string }[] }[];
      }>(edge.url, token, 'GET', '/api/v1/churn/risk?limit=5');
      for (let i = 0; i < 40 && risk.status === 200 && risk.body.items.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        risk = await callApi(edge.url, token, 'GET', '/api/v1/churn/risk?limit=5');
      }
      expect(risk.status).toBe(200);
      expect(risk.body.items).toHaveLength(5);
      const id = risk.body.items[0]?.customerId as string;
      const score = await callApi<{ results: { customerId: string }[]; notFound: string[] }>(
        edge.url,
        token,
        'POST',
        '/api/v1/churn/score',
        { customerIds: [id, 'member:none'] },
      );
      expect(score.status).toBe(200);
      expect(score.body.results[0]?.customerId).toBe(id);
      expect(score.body.notFound).toEqual(['member:none']);
      expect(
        (await callApi(edge.url, token, 'POST', '/api/v1/churn/score', { customerIds: [] })).status,
      ).toBe(400);
      const models = await callApi<{ versions: unknown[] }>(edge.url, token, 'GET', '/api/v1/churn/models');
      expect(models.body.versions.length).toBe(2);
      // Segments were fitted by the training run of the first test only in that process: this unit fits
      // them again with its first training here, so the lookup answers 503 or the segment.
      const lookup = await callApi<{ results: unknown[]; notFound: string[] }>(
        edge.url,
        token,
        'POST',
        '/api/v1/segments/lookup',
        { customerIds: [id, 'zz'] },
      );
      expect([200, 503]).toContain(lookup.status);
      const metrics = await callApi<string>(edge.url, token, 'GET', '/metrics');
      expect(String(metrics.body)).toContain('gymedge_churn_predictions_total');
    }, 60_000);

    it('the staff console shows the risk list with reasons and actions', async () => {
      const browser = await launchBrowser();
      try {
        const screen = await openPage(browser, { viewport: { width: 1280, height: 860 } });
        await screen.page.goto(`${edge.url}/staff`);
        await screen.page.locator('input[name=login]').fill('admin');
        await screen.page.locator('input[name=password]').fill(PASSWORD);
        await screen.page.getByRole('button', { name: 'Entrar' }).click();
        await screen.page.getByTestId('nav-risk').click();
        await screen.page.getByTestId('churn-model').waitFor();
        const rows = screen.page.locator('[data-testid=churn-risk] tbody tr');
        await rows.first().waitFor();
        expect(await rows.count()).toBe(25);
        const first = (await rows.first().textContent()) ?? '';
        expect(first).toMatch(/\d+%/);
        expect(first).toMatch(/ligar|agendar|oferecer|conversar|convidar|apresentar|propor/);
        await screenshot(screen.page, 'staff-churn-risk');
        expect(screen.errors).toEqual([]);
        await screen.close();
      } finally {
        await browser.close();
      }
    }, 90_000);
  });
});
