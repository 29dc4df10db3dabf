import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';

const dirs: string[] = [];
const edges: RunningEdge[] = [];
afterAll(async () => {
  for (const edge of edges) await edge.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const PASSWORD = 'a long enough pass phrase';

/**
 * HQ refuses a unit's change to a chain-wide document (`unitId: 'chain'`, docs/sync.md): whatever a unit makes on
 * its own (its kiosk device account, a plan or a class type of its own) must be that unit's, or it would sit in
 * HQ's quarantine for good.
 */
describe('what a unit makes is its own, never chain-wide', () => {
  test('the kiosk device account and a plan made at the unit carry the unit id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gymedge-scope-'));
    dirs.push(dir);
    const edge = await startEdge({
      unitId: 'sp-paulista',
      port: 0,
      dataDir: dir,
      logger: silentLogger(),
      adminPassword: PASSWORD,
    });
    edges.push(edge);
    const login = await edge.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { login: edge.createdAdmin?.login ?? 'admin', password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json<{ token: string }>().token;
    const plan = await edge.app.inject({
      method: 'POST',
      url: '/api/v1/plans',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Plano da unidade', priceCents: 12_990, billingPeriod: 'monthly' },
    });
    const staff = edge.unit.store.idsOfType('staff');
    expect(staff.length).toBeGreaterThanOrEqual(2);
    for (const id of staff) {
      const doc = edge.unit.store.get<'staff'>(id);
      expect(doc?.unitId, `${doc?.login} must be the unit's own account`).toBe('sp-paulista');
    }
    expect(plan.statusCode, plan.body).toBe(201);
    expect(plan.json<{ unitId: string }>().unitId).toBe('sp-paulista');
  });
});
