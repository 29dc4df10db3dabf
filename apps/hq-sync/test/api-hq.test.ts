import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import { openUnitStore } from '@gymedge/edge/src/unit-store.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolUnit } from '../src/enrolment.ts';
import { type RunningHq, startHq } from '../src/hq-app.ts';
import { replicate } from './support/replicate.ts';

const PASSWORD = 'senha-da-demo-123';
let dir: string;
let hq: RunningHq;
let token: string;

async function call(method: 'GET' | 'POST', url: string, body?: unknown, bearer: string | undefined = token) {
  const response = await fetch(`${hq.url}${url}`, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : undefined,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gymedge-hq-api-'));
  hq = await startHq({ dataDir: dir, port: 0, mqttPort: 0, adminPassword: PASSWORD, logger: silentLogger() });
  await enrolUnit(hq.registry, 'sp-paulista', { brokerUrl: hq.brokerUrl });
  await enrolUnit(hq.registry, 'rj-copacabana', { brokerUrl: hq.brokerUrl });
  for (const [unitId, name] of [
    ['sp-paulista', 'Joana Pereira'],
    ['rj-copacabana', 'Joaquim Souza'],
  ] as const) {
    const unit = openUnitStore({ dir: join(dir, unitId), unitId, logger: silentLogger(), compactEveryMs: 0 });
    await unit.members.create({ name }, { id: 'seed', role: 'system' });
    await unit.members.create({ name: `Outra Pessoa ${unitId}` }, { id: 'seed', role: 'system' });
    await replicate(unit, unitId, hq.store);
    await unit.close();
  }
  const login = await call('POST', '/api/v1/auth/login', { login: 'admin', password: PASSWORD }, undefined);
  expect(login.status).toBe(200);
  token = login.body.token;
});

afterAll(async () => {
  await hq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HQ API', () => {
  it("signs HQ's owner in with the demo password the units use, and refuses a wrong one", async () => {
    const wrong = await call(
      'POST',
      '/api/v1/auth/login',
      { login: 'admin', password: 'nope-nope' },
      undefined,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.type).toContain('application/problem+json');
    const me = await call('GET', '/api/v1/auth/me');
    expect(me.body.account.role).toBe('owner');
    expect(me.body.unitId).toBe('hq');
  });

  it('lists every enrolled unit with its documents and members', async () => {
    const units = await call('GET', '/api/v1/units');
    expect(units.status).toBe(200);
    const byId = new Map(units.body.items.map((u: { unitId: string }) => [u.unitId, u]));
    expect([...byId.keys()]).toEqual(['rj-copacabana', 'sp-paulista']);
    expect(byId.get('sp-paulista')).toMatchObject({ enrolled: true, members: 2, quarantined: 0 });
    expect(byId.get('rj-copacabana')).toMatchObject({ enrolled: true, members: 2 });
  });

  it('finds members across every unit with one search', async () => {
    const found = await call('GET', '/api/v1/members?q=joa');
    expect(found.status).toBe(200);
    const names = found.body.items
      .map((m: { name: string; unitId: string }) => `${m.name}@${m.unitId}`)
      .sort();
    expect(names).toEqual(['Joana Pereira@sp-paulista', 'Joaquim Souza@rj-copacabana']);
  });

  it('refuses member writes at HQ (members are edited at their unit), as problem+json', async () => {
    const created = await call('POST', '/api/v1/members', { name: 'Nova Pessoa' });
    expect(created.status).toBe(409);
    expect(created.body.detail).toMatch(/at their unit/);
  });

  it('asks for a token, with problem+json, on every sync route', async () => {
    for (const url of [
      '/api/v1/units',
      '/api/v1/sync/status',
      '/api/v1/quarantine',
      '/api/v1/members?q=jo',
    ]) {
      const answer = await call('GET', url, undefined, '');
      expect(answer.status, url).toBe(401);
      expect(answer.type, url).toContain('application/problem+json');
    }
    const missing = await call('GET', '/api/v1/quarantine/999');
    expect(missing.status).toBe(404);
  });

  it('documents its routes in OpenAPI and reports health and metrics', async () => {
    const docs = await call('GET', '/api/docs/json', undefined, '');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/units',
        '/api/v1/sync/events',
        '/api/v1/members',
        '/api/v1/quarantine/{id}/retry',
      ]),
    );
    let health = await call('GET', '/health', undefined, '');
    for (let i = 0; i < 50 && health.body.sync.state !== 'connected'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await call('GET', '/health', undefined, '');
    }
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', unitId: 'hq', sync: { state: 'connected' } });
    const metrics = await fetch(`${hq.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await metrics.text();
    expect(text).toMatch(/gymedge_hq_unit_documents\{unit="sp-paulista"\} \d+/);
    expect(text).toMatch(/gymedge_hq_broker_reachable 1/);
  });

  it('streams the dashboard snapshot as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${hq.url}/api/v1/sync/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body?.getReader();
    let text = '';
    while (reader && !text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    expect(text).toMatch(/^event: snapshot\ndata: /);
    const snapshot = JSON.parse(text.split('data: ')[1]?.split('\n')[0] ?? '{}');
    expect(snapshot.chain.members).toBe(4);
    expect(snapshot.units).toHaveLength(2);
  });
});
